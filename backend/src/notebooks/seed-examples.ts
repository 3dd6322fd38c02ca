import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger';
import type { MetaRepository, Store } from '../store/store';
import { parseIpynb } from './ipynb';

/** The repository's example notebooks. */
export const DEFAULT_EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
/** Meta marker: set once the examples were imported, so deleting an example later does not bring it back. */
export const EXAMPLES_SEEDED_KEY = 'examples.seeded';

export interface SeedResult {
  /** True when an earlier start already seeded (nothing done now). */
  alreadySeeded: boolean;
  /** Names of the notebooks created now. */
  created: string[];
}

/**
 * On first start, imports every `*.ipynb` of the examples directory as a notebook (named after the file) owned by
 * `ownerId` or, by default, the first admin. Idempotent: a meta marker records that it ran, and a notebook of the
 * same name and owner is never created twice. An unreadable or invalid example is logged and skipped.
 */
export async function seedExamples(opts: {
  store: Store;
  logger: Logger;
  ownerId?: string;
  dir?: string;
}): Promise<SeedResult> {
  const { store } = opts;
  const log = opts.logger.child({ component: 'seed-examples' });
  if (await store.meta.get(EXAMPLES_SEEDED_KEY)) return { alreadySeeded: true, created: [] };
  const ownerId = opts.ownerId ?? (await store.users.list()).find((u) => u.role === 'admin')?.id;
  if (!ownerId) throw new Error('Cannot seed the example notebooks: there is no admin to own them yet.');

  const dir = opts.dir ?? DEFAULT_EXAMPLES_DIR;
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.ipynb'))
        .sort()
    : [];
  if (files.length === 0) log.warn({ dir }, 'no example notebooks found');
  const existing = new Set((await store.notebooks.list()).filter((n) => n.ownerId === ownerId).map((n) => n.name));
  const created: string[] = [];
  const ids: string[] = [];
  for (const file of files) {
    const name = file.replace(/\.ipynb$/, '');
    if (existing.has(name)) continue;
    try {
      const content = parseIpynb(fs.readFileSync(path.join(dir, file)), Number.POSITIVE_INFINITY);
      const nb = await store.notebooks.create({ id: randomUUID(), name, ownerId, content });
      created.push(name);
      ids.push(nb.id);
    } catch (e) {
      log.error({ err: e, file: path.join(dir, file) }, `example notebook ${file} skipped: ${(e as Error).message}`);
    }
  }
  await store.meta.set(EXAMPLES_SEEDED_KEY, JSON.stringify({ at: new Date().toISOString(), created, ids }));
  if (created.length) log.info({ created }, `imported ${created.length} example notebooks`);
  return { alreadySeeded: false, created };
}

/**
 * The example notebooks seeded on first start, by id (the list pins them: NotebookService). A marker written before
 * ids were recorded names them only; those are matched by name.
 */
export async function seededExamples(
  meta: MetaRepository,
): Promise<{ ids: ReadonlySet<string>; names: ReadonlySet<string> }> {
  const raw = await meta.get(EXAMPLES_SEEDED_KEY);
  let marker: { created?: unknown; ids?: unknown } = {};
  try {
    marker = raw ? (JSON.parse(raw) as typeof marker) : {};
  } catch {
    // an unreadable marker marks nothing
  }
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const ids = strings(marker.ids);
  return { ids: new Set(ids), names: new Set(Array.isArray(marker.ids) ? [] : strings(marker.created)) };
}
