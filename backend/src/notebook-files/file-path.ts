import { badRequest } from '../errors';

/** Longest accepted path, in characters, and longest segment (file or folder name), in UTF-8 bytes (as ext4). */
export const MAX_PATH_CHARS = 1024;
export const MAX_SEGMENT_BYTES = 255;

/**
 * A notebook file's path as the client gave it (already URL-decoded) → its one normalized form, or a 400 naming what
 * is wrong. The path is relative to the notebook's folder and can never leave it: no absolute paths, no `..` (nor
 * `.`) segments, no empty segments (`a//b`, a trailing `/`), no backslashes (a Windows separator on some systems), no
 * NUL or other control characters. Sub-folders are written with `/`. Unicode is normalized to NFC, so the same name
 * typed on macOS and Linux is one file. Refused rather than cleaned up: a path the client did not mean is never
 * written.
 */
export function normalizeFilePath(raw: string): string {
  const refuse = (why: string) => badRequest(`Invalid file path: ${why}.`, { field: 'path' });
  const p = raw.normalize('NFC');
  if (!p) throw refuse('it is empty');
  if (p.length > MAX_PATH_CHARS) throw refuse(`it is longer than ${MAX_PATH_CHARS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) throw refuse('it contains a control character');
  if (p.includes('\\')) throw refuse('use "/" between folders, not "\\"');
  if (p.startsWith('/')) throw refuse('it must be relative to the notebook\u2019s folder, not absolute');
  const segments = p.split('/');
  for (const s of segments) {
    if (s === '') throw refuse('it has an empty folder or file name');
    if (s === '.' || s === '..') throw refuse(`"${s}" is not allowed in a path`);
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES)
      throw refuse(`"${s.slice(0, 20)}…" is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return p;
}
