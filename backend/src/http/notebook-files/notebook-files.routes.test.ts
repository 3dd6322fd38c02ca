import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotebookRecord } from '../../store/store';
import { testFetch } from '../../testing/http';
import { startTestApp, type TestApp } from '../test-app';

/** 4 KB per file in these tests (FOLIO_MAX_FILE_MB), so the 413 needs no big body. */
const MAX_FILE_BYTES = Math.round((4 / 1024) * 1024 * 1024);

let t: TestApp;
let author: { cookie: string; userId: string };
let other: { cookie: string; userId: string };
let admin: { cookie: string; userId: string };
let viewer: { cookie: string; userId: string };

beforeAll(async () => {
  t = await startTestApp({ env: { FOLIO_MAX_FILE_MB: String(4 / 1024) } });
  [author, other, admin, viewer] = await Promise.all([
    t.signIn('author'),
    t.signIn('author'),
    t.signIn('admin'),
    t.signIn('viewer'),
  ]);
});
afterAll(() => t?.close());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: () => unknown;
}

/**
 * A request with the path sent exactly as written: `fetch` (WHATWG URL) would resolve `..` and `%2e%2e` segments
 * before sending them, and a hostile client does not.
 */
function raw(
  who: { cookie: string } | null,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, method, path, agent: false, headers: { ...(who ? { cookie: who.cookie } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body: b, json: () => JSON.parse(b.toString()) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const create = async (who = author) => {
  const res = await testFetch(`${t.url}/api/notebooks`, {
    method: 'POST',
    headers: { cookie: who.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'with files' }),
  });
  return (await res.json()) as NotebookRecord;
};
const files = (id: string) => `/api/notebooks/${id}/files`;
const put = (
  who: { cookie: string } | null,
  id: string,
  p: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
) => raw(who, 'PUT', `${files(id)}/${p}`, body, { 'content-type': 'application/octet-stream', ...headers });
const listed = async (id: string) => (await t.store.notebookFiles.list(id)).map((f) => f.path);
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('/api/notebooks/:id/files', () => {
  it('stores, lists, serves and deletes files, sub-folders included', async () => {
    const nb = await create();
    const csv = 'ticker,qty\nAAPL,10\n';
    const first = await put(author, nb.id, 'data/positions.csv', csv, { 'content-type': 'text/csv' });
    expect(first.status).toBe(201);
    expect(first.json()).toEqual({
      notebookId: nb.id,
      path: 'data/positions.csv',
      size: csv.length,
      sha256: sha(csv),
      updatedAt: expect.any(String),
      updatedBy: author.userId,
    });
    expect((await put(author, nb.id, 'logo.png', PNG, { 'content-type': 'image/png' })).status).toBe(201);
    const again = await put(admin, nb.id, 'data/positions.csv', `${csv}MSFT,5\n`);
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ size: csv.length + 7, updatedBy: admin.userId });

    const list = await raw(author, 'GET', files(nb.id));
    expect(list.status).toBe(200);
    expect((list.json() as { files: { path: string; size: number }[] }).files.map((f) => [f.path, f.size])).toEqual([
      ['data/positions.csv', csv.length + 7],
      ['logo.png', PNG.length],
    ]);

    const got = await raw(author, 'GET', `${files(nb.id)}/data/positions.csv`);
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe(`${csv}MSFT,5\n`);
    expect(got.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(got.headers['content-disposition']).toBe('attachment; filename=positions.csv');

    expect((await raw(author, 'DELETE', `${files(nb.id)}/data/positions.csv`)).status).toBe(204);
    expect((await raw(author, 'DELETE', `${files(nb.id)}/data/positions.csv`)).status).toBe(404);
    expect((await raw(author, 'GET', `${files(nb.id)}/data/positions.csv`)).status).toBe(404);
    expect(await listed(nb.id)).toEqual(['logo.png']);
  });

  it('stores a JSON (or any) body byte for byte, never parsed', async () => {
    const nb = await create();
    const body = '{"b": 2,   "a": [1]}';
    expect((await put(author, nb.id, 'config.json', body, { 'content-type': 'application/json' })).status).toBe(201);
    expect((await raw(author, 'GET', `${files(nb.id)}/config.json`)).body.toString()).toBe(body);
    expect((await put(author, nb.id, 'empty.txt', '')).json()).toMatchObject({ size: 0, sha256: sha('') });
  });

  it('serves images inline with their type, nosniff and a sandbox CSP (SVG cannot script the origin), and answers 304 to its ETag', async () => {
    const nb = await create();
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    await put(author, nb.id, 'img/logo.png', PNG);
    await put(author, nb.id, 'img/chart.svg', svg);
    await put(author, nb.id, 'page.html', '<script>alert(1)</script>');

    const png = await raw(author, 'GET', `${files(nb.id)}/img/logo.png`);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['content-disposition']).toBeUndefined();
    expect(png.headers['x-content-type-options']).toBe('nosniff');
    expect(png.headers['etag']).toBe(`"${sha(PNG)}"`);
    expect(png.body.equals(PNG)).toBe(true);

    const s = await raw(author, 'GET', `${files(nb.id)}/img/chart.svg`);
    expect(s.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(s.headers['content-security-policy']).toMatch(/^sandbox;/);
    expect(s.headers['content-security-policy']).not.toMatch(/allow-scripts|allow-same-origin/);
    expect(s.headers['x-content-type-options']).toBe('nosniff');

    const html = await raw(author, 'GET', `${files(nb.id)}/page.html`);
    expect(html.headers['content-type']).toBe('application/octet-stream');
    expect(html.headers['content-disposition']).toBe('attachment; filename=page.html');
    expect(html.headers['content-security-policy']).toMatch(/^sandbox;/);

    const cached = await raw(author, 'GET', `${files(nb.id)}/img/logo.png`, undefined, {
      'if-none-match': `"${sha(PNG)}"`,
    });
    expect(cached.status).toBe(304);
    expect(cached.body.length).toBe(0);
  });

  it.each([
    ['../x'],
    ['%2e%2e/x'],
    ['%2E%2E%2Fx'],
    ['/etc/x'],
    ['%2Fetc%2Fx'],
    ['a/../../b'],
    ['a%2F..%2F..%2Fb'],
    ['./x'],
    ['a//b'],
    ['a\\..\\b'],
    ['a%5Cb'],
    ['x%00.csv'],
    ['x%0Ay'],
  ])('refuses the path %s with a 400 on every method, storing nothing', async (p) => {
    const nb = await create();
    await put(author, nb.id, 'kept.csv', 'k');
    const answers = [
      await put(author, nb.id, p, 'evil'),
      await raw(author, 'GET', `${files(nb.id)}/${p}`),
      await raw(author, 'DELETE', `${files(nb.id)}/${p}`),
    ];
    for (const a of answers) {
      expect(a.status, a.body.toString()).toBe(400);
      expect((a.json() as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'bad_request',
        message: expect.stringMatching(/^Invalid file path/),
      });
    }
    expect(await listed(nb.id)).toEqual(['kept.csv']);
  });

  it('refuses a file over FOLIO_MAX_FILE_MB with a 413 and stores nothing, with or without a Content-Length', async () => {
    const nb = await create();
    expect((await put(author, nb.id, 'at-limit.bin', Buffer.alloc(MAX_FILE_BYTES, 1))).status).toBe(201);
    const over = await put(author, nb.id, 'big.bin', Buffer.alloc(MAX_FILE_BYTES + 1, 1));
    expect(over.status).toBe(413);
    expect((over.json() as { error: { code: string; message: string } }).error).toEqual({
      code: 'too_large',
      message: expect.stringMatching(/larger than the .* MB limit .*FOLIO_MAX_FILE_MB.*nothing was stored/),
    });
    const chunked = await put(author, nb.id, 'big.bin', Buffer.alloc(MAX_FILE_BYTES * 2, 1), {
      'transfer-encoding': 'chunked',
    });
    expect(chunked.status).toBe(413);
    // Replacing a file with an oversized one keeps the old one.
    expect((await put(author, nb.id, 'at-limit.bin', Buffer.alloc(MAX_FILE_BYTES + 1, 2))).status).toBe(413);
    expect(await listed(nb.id)).toEqual(['at-limit.bin']);
    expect((await t.store.notebookFiles.get(nb.id, 'at-limit.bin'))?.data[0]).toBe(1);
  });

  it('answers 404 for an unknown notebook on every route', async () => {
    expect((await raw(author, 'GET', files('no-such-notebook'))).status).toBe(404);
    expect((await put(author, 'no-such-notebook', 'a.csv', 'x')).status).toBe(404);
    expect((await raw(author, 'GET', `${files('no-such-notebook')}/a.csv`)).status).toBe(404);
    expect((await raw(author, 'DELETE', `${files('no-such-notebook')}/a.csv`)).status).toBe(404);
  });

  it('follows the notebook rule: a session always; viewers 403; hidden 404; read sharers read, edit sharers write; admins can', async () => {
    const nb = await create();
    await put(author, nb.id, 'a.csv', 'a');
    for (const [m, p] of [
      ['GET', files(nb.id)],
      ['GET', `${files(nb.id)}/a.csv`],
      ['PUT', `${files(nb.id)}/b.csv`],
      ['DELETE', `${files(nb.id)}/a.csv`],
    ] as const) {
      expect((await raw(null, m, p, m === 'PUT' ? 'x' : undefined)).status, `${m} ${p} signed out`).toBe(401);
      expect((await raw(viewer, m, p, m === 'PUT' ? 'x' : undefined)).status, `${m} ${p} viewer`).toBe(403);
    }
    expect((await raw(viewer, 'GET', files('no-such-notebook'))).status).toBe(403);
    const shareWithOther = (permission: 'read' | 'edit') =>
      testFetch(`${t.url}/api/notebooks/${nb.id}/access`, {
        method: 'PUT',
        headers: { cookie: author.cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ users: [{ userId: other.userId, permission }] }),
      });
    expect((await raw(other, 'GET', files(nb.id))).status).toBe(404);
    expect((await raw(other, 'GET', `${files(nb.id)}/a.csv`)).status).toBe(404);
    expect((await put(other, nb.id, 'b.csv', 'x')).status).toBe(404);
    expect((await shareWithOther('read')).status).toBe(200);
    expect((await raw(other, 'GET', files(nb.id))).status).toBe(200);
    expect((await raw(other, 'GET', `${files(nb.id)}/a.csv`)).status).toBe(200);
    expect((await put(other, nb.id, 'b.csv', 'x')).status).toBe(403);
    expect((await raw(other, 'DELETE', `${files(nb.id)}/a.csv`)).status).toBe(403);
    expect((await shareWithOther('edit')).status).toBe(200);
    expect((await put(other, nb.id, 'c.csv', 'x')).status).toBe(201);
    expect((await raw(other, 'DELETE', `${files(nb.id)}/c.csv`)).status).toBe(204);
    expect((await put(admin, nb.id, 'b.csv', 'x')).status).toBe(201);
    expect((await raw(admin, 'DELETE', `${files(nb.id)}/b.csv`)).status).toBe(204);
    expect(await listed(nb.id)).toEqual(['a.csv']);
  });

  it('refuses a path that is a file and a folder at once (409), as a disk would', async () => {
    const nb = await create();
    await put(author, nb.id, 'data/a.csv', 'a');
    expect((await put(author, nb.id, 'data', 'x')).status).toBe(409);
    expect((await put(author, nb.id, 'data/a.csv/b', 'x')).status).toBe(409);
    expect((await put(author, nb.id, 'data2', 'x')).status).toBe(201);
    expect(await listed(nb.id)).toEqual(['data/a.csv', 'data2']);
  });

  it('deletes a notebook\u2019s files with the notebook', async () => {
    const nb = await create();
    await put(author, nb.id, 'a.csv', 'a');
    expect((await raw(author, 'DELETE', `/api/notebooks/${nb.id}`)).status).toBe(204);
    expect(await t.store.notebookFiles.get(nb.id, 'a.csv')).toBeNull();
  });
});
