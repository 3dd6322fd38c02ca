import { AnsiUp } from 'ansi_up';

/**
 * Terminal text (streams, tracebacks) → HTML, HTML-escaped first. The 16 standard ANSI colours become `ansi-*` classes
 * (JupyterLab's palette, in styles.css); what has no class — bold, italic, underline, 256-colour and truecolour codes —
 * becomes an inline style that ansi_up builds from the escape's numbers, never from the text.
 */
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
