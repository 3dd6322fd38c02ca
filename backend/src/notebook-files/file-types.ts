/**
 * How a notebook file is served from Folio's origin (GET /api/notebooks/:id/files/:path). Images are served inline
 * with their type, so Markdown cells can show them (`![](logo.png)`); everything else is a download
 * (`Content-Disposition: attachment`), so an uploaded HTML page is never rendered as a page of Folio's origin. SVG is an
 * image and is served inline, but every file response also carries a `sandbox` CSP (http/notebook-files): an SVG
 * opened directly in a tab runs in an opaque origin with scripts off, and inside `<img>` an SVG never runs script.
 */
const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
};

const DOWNLOAD_TYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  tsv: 'text/tab-separated-values; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  json: 'application/json',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  toml: 'application/toml',
  xml: 'application/xml',
  py: 'text/x-python; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xls: 'application/vnd.ms-excel',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
};

export interface ServedType {
  contentType: string;
  /** inline: shown by the browser (images only); attachment: downloaded. */
  disposition: 'inline' | 'attachment';
}

export function servedType(path: string): ServedType {
  const ext = /\.([^./]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  const image = IMAGE_TYPES[ext];
  if (image) return { contentType: image, disposition: 'inline' };
  return { contentType: DOWNLOAD_TYPES[ext] ?? 'application/octet-stream', disposition: 'attachment' };
}
