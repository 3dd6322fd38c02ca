/**
 * Cursor offsets: JavaScript strings (and Monaco) count UTF-16 code units, the Jupyter messaging protocol (≥ 5.2)
 * counts code points. An emoji before the cursor is 2 of the former and 1 of the latter.
 */

/** A UTF-16 offset (JavaScript, Monaco) → a code point offset (Jupyter messaging protocol ≥ 5.2). */
export function toCodePoints(text: string, utf16Offset: number): number {
  return [...text.slice(0, Math.min(utf16Offset, text.length))].length;
}

/** A code point offset → a UTF-16 offset. */
export function fromCodePoints(text: string, codePoints: number): number {
  let offset = 0;
  let n = 0;
  for (const ch of text) {
    if (n >= codePoints) break;
    offset += ch.length;
    n += 1;
  }
  return offset;
}
