/**
 * CSV for spreadsheets (RFC 4180): every cell quoted, `"` doubled, rows ended by CRLF. Cells that a spreadsheet would
 * run as a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage return (OWASP "CSV injection") — get a
 * leading `'`, so Excel and LibreOffice show the text instead of evaluating it.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '""';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export const csvRow = (cells: readonly (string | number | boolean | null | undefined)[]): string =>
  `${cells.map(csvCell).join(',')}\r\n`;

/** Put first in a CSV file so spreadsheet programs read it as UTF-8 (names with accents, 日本). */
export const UTF8_BOM = '\uFEFF';
