import { AnsiUp } from 'ansi_up';

/** Terminal text (streams, tracebacks) → HTML: HTML-escaped first, ANSI colours as inline styles. */
export function ansiToHtml(text: string): string {
  const au = new AnsiUp(); // stateful: one per conversion so colours never leak between outputs
  au.escape_html = true;
  au.use_classes = true;
  return au.ansi_to_html(text);
}

/** Plain text without ANSI escapes (for hovers, titles). */
export const stripAnsi = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*(?:\u0007|\u001b\\)/g, '');
