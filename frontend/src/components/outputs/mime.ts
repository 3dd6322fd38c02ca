import type { MimeBundle } from '../../lib/nbformat';

/**
 * Preferred MIME types, richest first, following JupyterLab's renderer ranks (html 50, markdown 60, latex 70, svg 80,
 * images 90, javascript 110, text 120) with the plotly and JSON renderers ahead of them as in JupyterLab with its
 * plotly and JSON extensions.
 */
export const MIME_ORDER = [
  'application/vnd.plotly.v1+json',
  'text/html',
  'text/markdown',
  'text/latex',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'application/json',
  'application/javascript',
  'text/javascript',
  'text/plain',
] as const;
export type KnownMime = (typeof MIME_ORDER)[number];

/** The MIME type to render for a bundle, or null when nothing in it can be rendered. */
export function pickMime(bundle: MimeBundle): KnownMime | null {
  for (const m of MIME_ORDER) if (bundle[m] !== undefined && bundle[m] !== null) return m;
  return null;
}

/** nbformat multiline strings (arrays of lines) joined; other values untouched. */
export const joinText = (v: unknown): string => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');

export function imageSrc(mime: string, data: unknown): string {
  const text = joinText(data);
  if (mime === 'image/svg+xml') return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  return `data:${mime};base64,${text.replace(/\s/g, '')}`;
}
