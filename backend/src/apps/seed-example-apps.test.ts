import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditService } from '../audit/audit.service';
import type { AppManagerView } from '../contracts/apps';
import type { Principal } from '../contracts/principal';
import { NotebookAccess } from '../notebooks/notebook-access';
import { seedExamples } from '../notebooks/seed-examples';
import { openSqliteStore } from '../store/sqlite/sqlite-store';
import type { Store } from '../store/store';
import { UsersService } from '../users/users.service';
import { AppService } from './app.service';
import { EXAMPLE_APPS, EXAMPLE_APPS_KEY, seedExampleApps } from './seed-example-apps';

const logger = pino({ level: 'silent' });
let dir: string;
let store: Store;
let apps: AppService;
let admin: Principal;
let viewer: Principal;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'folio-seed-apps-'));
  store = openSqliteStore(path.join(dir, 'folio.db'));
  const users = new UsersService(store);
  admin = await users.create({ email: 'admin@seed.test', role: 'admin', password: 'password-1' });
  viewer = await users.create({ email: 'viewer@seed.test', role: 'viewer', password: 'password-1' });
  const audit = new AuditService({ audit: store.audit, logger });
  apps = new AppService({
    apps: store.apps,
    notebooks: store.notebooks,
    files: store.notebookFiles,
    notebookAccess: new NotebookAccess({ notebooks: store.notebooks }),
    users: store.users,
    audit,
  });
});
afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('example apps on first start', () => {
  it('publishes every example notebook as an app open to everyone signed in, with its refined form, once', async () => {
    await seedExamples({ store, logger });
    const first = await seedExampleApps({ store, apps, logger });
    expect(first).toEqual({ alreadySeeded: false, published: ['fx-rates-report', 'portfolio-var', 'yield-curve-fit'] });
    expect(Object.keys(EXAMPLE_APPS).sort()).toEqual(first.published);

    const gallery = await apps.list(viewer);
    expect(gallery.map((a) => a.slug).sort()).toEqual(first.published);
    const varApp = await apps.get(viewer, 'portfolio-var');
    expect(varApp.canManage).toBe(false);
    expect(varApp.params.find((p) => p.name === 'confidence')).toMatchObject({
      label: 'Confidence level',
      widget: 'slider',
      min: 0.9,
      max: 0.999,
      default: 0.99,
    });
    expect(varApp.params.find((p) => p.name === 'as_of')).toMatchObject({ widget: 'date', required: true });
    const fx = await apps.get(viewer, 'fx-rates-report');
    expect(fx.params.find((p) => p.name === 'currencies')).toMatchObject({ type: 'multichoice', widget: 'multiselect' });
    expect(fx.cells.length).toBe(5);
    expect(fx.cells.some((c) => c.cellType === 'code' && c.source !== undefined)).toBe(false);
    const owned = (await apps.get(admin, 'yield-curve-fit')) as AppManagerView;
    expect(owned).toMatchObject({ canManage: true, ownerId: admin.id, access: { mode: 'signed_in', users: [] } });

    // Once: a second start publishes nothing, and an example app unpublished since is not brought back.
    await apps.unpublish(admin, 'fx-rates-report');
    expect(await seedExampleApps({ store, apps, logger })).toEqual({ alreadySeeded: true, published: [] });
    expect((await store.apps.list()).length).toBe(3);
    expect((await store.apps.listVersions(owned.id)).length).toBe(1);
    expect((await apps.list(viewer)).map((a) => a.slug)).not.toContain('fx-rates-report');
    expect(JSON.parse((await store.meta.get(EXAMPLE_APPS_KEY))!)).toMatchObject({ published: first.published });
  });

  it('skips an example whose notebook was deleted, and still marks the seeding done', async () => {
    await seedExamples({ store, logger });
    const var_ = (await store.notebooks.list()).find((n) => n.name === 'portfolio-var')!;
    await store.notebooks.delete(var_.id, { by: admin.id, at: new Date().toISOString() });
    const result = await seedExampleApps({ store, apps, logger });
    expect(result.published).toEqual(['fx-rates-report', 'yield-curve-fit']);
    expect(await store.meta.get(EXAMPLE_APPS_KEY)).not.toBeNull();
  });
});
