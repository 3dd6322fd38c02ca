import DOMPurify from 'dompurify';
import katex from 'katex';
import 'katex/dist/katex.min.css';
import MarkdownIt from 'markdown-it';
import type { MimeBundle } from './nbformat';
import { mathPlaceholder, removeMath, type MathPiece } from './math';

const md = new MarkdownIt({ html: true, linkify: true });

/**
 * KaTeX with `trust: false` (no \href, \htmlStyle, …): its HTML is generated, not author markup, so it keeps its
 * inline styles. `maxSize` caps positive user sizes (\rule, \raisebox); negative ones are left to the CSS
 * containment of the rendered-Markdown boxes (styles.css), which keeps any offset inside the cell.
 */
export function renderTex(tex: string, display: boolean): string {
  return katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    trust: false,
    strict: 'ignore',
    maxSize: 50,
  });
}

/**
 * DOMPurify with the app's policy for author HTML: no scripts, no event handlers, no forms, no frames, and no
 * `style` at all (elements or attributes), so notebook Markdown cannot restyle or overlay the app (a
 * `position:fixed` fake login, say).
 */
const POLICY = {
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
  FORBID_ATTR: ['style'],
};

const PLACEHOLDER = /@@(\d+)@@/g;
const texSource = (p: MathPiece | undefined) => p && (p.display ? `$$${p.tex}$$` : `$${p.tex}$`);

/**
 * Puts the formulas back into sanitized HTML: rendered by KaTeX where the placeholder is text (outside code), as
 * their TeX source where it landed in an attribute value (never markup inside an attribute).
 */
function insertMath(root: DocumentFragment, math: MathPiece[]): void {
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n instanceof Element) {
      for (const a of Array.from(n.attributes))
        if (a.value.includes('@@')) a.value = a.value.replace(PLACEHOLDER, (w, i: string) => texSource(math[+i]) ?? w);
    } else if (n.nodeValue?.includes('@@') && !n.parentElement?.closest('code')) texts.push(n as Text);
  }
  for (const t of texts) {
    const parts = t.nodeValue!.split(PLACEHOLDER); // [text, index, text, index, …, text]
    if (parts.length === 1) continue;
    const html = parts.map((part, i) => {
      if (i % 2 === 0) return escapeHtml(part);
      const p = math[Number(part)];
      return p ? renderTex(p.tex, p.display) : escapeHtml(mathPlaceholder(Number(part)));
    });
    const tpl = root.ownerDocument.createElement('template');
    tpl.innerHTML = html.join('');
    t.replaceWith(tpl.content);
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Resolves `attachment:name.png` image sources to data URLs from the cell's attachments. */
function resolveAttachments(html: string, attachments?: Record<string, MimeBundle>): string {
  if (!attachments) return html;
  return html.replace(/src="attachment:([^"]+)"/g, (whole, name: string) => {
    const bundle = attachments[decodeURIComponent(name)];
    if (!bundle) return whole;
    const mime = Object.keys(bundle).find((m) => m.startsWith('image/'));
    const data = mime && bundle[mime];
    if (!mime || typeof data !== 'string') return whole;
    const src =
      mime === 'image/svg+xml'
        ? `data:${mime};charset=utf-8,${encodeURIComponent(data)}`
        : `data:${mime};base64,${data.replace(/\s/g, '')}`;
    return `src="${src}"`;
  });
}

/** Maps a notebook file's path ("img/logo.png") to the URL it is served at, or undefined to leave the reference alone. */
export type FileUrlResolver = (path: string) => string | undefined;

/**
 * The notebook file a URL of a Markdown cell names, as JupyterLab resolves it against the notebook's folder:
 * relative URLs only (no scheme such as `https:`, `data:` or `attachment:`, not `/…` or `//…`, not `#…`/`?…`), query and
 * fragment dropped, percent-escapes decoded, `.` and `..` segments resolved. Null when the URL is not relative or
 * climbs out of the folder (`../x`): such references are left as they are.
 */
export function relativeFilePath(url: string): string | null {
  const u = url.trim();
  if (!u || /^[a-z][a-z0-9+.-]*:/i.test(u) || /^[/\\#?]/.test(u)) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.split(/[?#]/)[0]!);
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(seg);
  }
  return out.length ? out.join('/') : null;
}

/** Points relative image sources and links of the sanitized tree at the notebook's files (see relativeFilePath). */
function resolveFileUrls(root: DocumentFragment, resolve: FileUrlResolver): void {
  for (const [selector, attr] of [
    ['img[src]', 'src'],
    ['a[href]', 'href'],
  ] as const) {
    for (const el of Array.from(root.querySelectorAll(selector))) {
      const path = relativeFilePath(el.getAttribute(attr) ?? '');
      const url = path === null ? undefined : resolve(path);
      if (url !== undefined) el.setAttribute(attr, url);
    }
  }
}

/**
 * Markdown → safe HTML: math pulled out first, markdown-it, DOMPurify over the author's HTML, then the formulas
 * rendered by KaTeX into the sanitized tree (so KaTeX keeps its inline styles while the author's are removed).
 * With `resolveFile`, relative image sources and links (`![](logo.png)`, `<img src="img/a.png">`) point at the
 * notebook's files; absolute and remote URLs are left as they are.
 */
export function renderMarkdown(
  text: string,
  attachments?: Record<string, MimeBundle>,
  resolveFile?: FileUrlResolver,
): string {
  const { text: withoutMath, math } = removeMath(text);
  const html = resolveAttachments(md.render(withoutMath), attachments);
  const root = DOMPurify.sanitize(html, { ...POLICY, RETURN_DOM_FRAGMENT: true });
  if (resolveFile) resolveFileUrls(root, resolveFile);
  if (math.length) insertMath(root, math);
  const out = root.ownerDocument.createElement('div');
  out.append(root);
  return out.innerHTML;
}
