/**
 * An XSS corpus for Folio's author-controlled surfaces, after the well-known filter evasion cheat sheets (OWASP's XSS
 * Filter Evasion Cheat Sheet, PortSwigger's XSS cheat sheet, DOMPurify's mXSS reports). Each vector is a function of a
 * JavaScript statement: when it runs, the attack has succeeded. The statement records its id in `window.__xss` (set
 * up by the test page) or opens a dialog, so a test sees any vector that executes in the app's origin.
 *
 * Extend it: add a vector here and every surface of xss.e2e.test.ts (notebook names, Markdown cells, every output
 * type) gets it; add a surface there (issue 10: app titles and descriptions) and it gets every vector.
 */
export interface XssVector {
  id: string;
  /** Markup/Markdown that runs `js` if it gets through. */
  make: (js: string) => string;
}

/** What a vector runs: record the id (in the app's origin only: a sandboxed frame has no `__xss` of ours) and alert. */
export const payload = (id: string) => `window.__xss&&window.__xss.push('${id}');alert('${id}')`;

export const XSS_VECTORS: XssVector[] = [
  { id: 'script', make: (js) => `<script>${js}</script>` },
  { id: 'script-src-data', make: (js) => `<script src="data:text/javascript,${encodeURIComponent(js)}"></script>` },
  { id: 'img-onerror', make: (js) => `<img src=x onerror="${js}">` },
  { id: 'img-onerror-unquoted', make: (js) => `<IMG SRC=/ onerror=${js.replace(/\s/g, '')}>` },
  { id: 'svg-onload', make: (js) => `<svg onload="${js}"></svg>` },
  { id: 'svg-script', make: (js) => `<svg><script>${js}</script></svg>` },
  { id: 'svg-animate', make: (js) => `<svg><animate onbegin="${js}" attributeName="x" dur="1s"></animate></svg>` },
  {
    id: 'svg-use-data',
    make: (js) =>
      `<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='${js}'/></svg>#x"></use></svg>`,
  },
  { id: 'body-onload', make: (js) => `<body onload="${js}">` },
  { id: 'details-ontoggle', make: (js) => `<details open ontoggle="${js}"><summary>s</summary></details>` },
  { id: 'input-autofocus', make: (js) => `<input autofocus onfocus="${js}">` },
  { id: 'video-source', make: (js) => `<video><source onerror="${js}"></video>` },
  { id: 'javascript-link', make: (js) => `<a href="javascript:${js}">link</a>` },
  {
    id: 'javascript-link-entities',
    make: (js) => `<a href="jav&#x09;ascript:${js}">link</a><a href="&#106;avascript:${js}">link</a>`,
  },
  { id: 'markdown-javascript-link', make: (js) => `[md link](javascript:${js})` },
  { id: 'markdown-image-attr-break', make: (js) => `![x](x" onerror="${js})` },
  { id: 'data-html-link', make: (js) => `<a href="data:text/html,<script>${js}</script>">data</a>` },
  { id: 'iframe-javascript', make: (js) => `<iframe src="javascript:${js}"></iframe>` },
  { id: 'iframe-srcdoc', make: (js) => `<iframe srcdoc="<script>parent.${js}</script>"></iframe>` },
  { id: 'object-data', make: (js) => `<object data="data:text/html,<script>${js}</script>"></object>` },
  { id: 'embed', make: (js) => `<embed src="data:text/html,<script>${js}</script>">` },
  {
    id: 'form-action',
    make: (js) => `<form action="javascript:${js}"><input name="password"><button>Sign in</button></form>`,
  },
  { id: 'button-formaction', make: (js) => `<button formaction="javascript:${js}">go</button>` },
  { id: 'meta-refresh', make: (js) => `<meta http-equiv="refresh" content="0;url=javascript:${js}">` },
  { id: 'base-href', make: (js) => `<base href="javascript:${js}//">` },
  { id: 'math-mxss', make: (js) => `<math><mtext><table><mglyph><style><img src=x onerror="${js}">` },
  {
    id: 'math-mxss-form',
    make: (js) =>
      `<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img onerror=${js.replace(/\s/g, '')} src>">`,
  },
  {
    id: 'noscript-mxss',
    make: (js) => `<noscript><p title="</noscript><img src=x onerror=${js.replace(/\s/g, '')}>">`,
  },
  { id: 'svg-style-mxss', make: (js) => `<svg><p><style><img src=x onerror="${js}"></style></p></svg>` },
  { id: 'template', make: (js) => `<template><img src=x onerror="${js}"></template>` },
  { id: 'css-url-javascript', make: (js) => `<div style="background:url('javascript:${js}')">css</div>` },
  { id: 'css-expression', make: (js) => `<div style="width: expression(${js})">css</div>` },
  { id: 'css-import', make: (js) => `<style>@import 'javascript:${js}'; body { display: none }</style>` },
  { id: 'link-stylesheet', make: () => `<link rel="stylesheet" href="data:text/css,body{display:none}">` },
  {
    id: 'polyglot',
    make: (js) =>
      `jaVasCript:/*-/*\`/*\\\`/*'/*"/**/(/* */oNcliCk=${js} )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=${js.replace(/\s/g, '')}//>\\x3e`,
  },
  { id: 'katex-href', make: (js) => `$\\href{javascript:${js}}{x}$ and $\\url{javascript:${js}}$` },
  // Styles that would escape the author's box and cover the app (a fake sign-in over the whole page).
  {
    id: 'overlay-fixed',
    make: () => `<div style="position:fixed;inset:0;z-index:2147483647;background:#c00">OVERLAY</div>`,
  },
  {
    id: 'overlay-forged-katex',
    make: () =>
      `<span class="katex"><span class="vlist" style="position:fixed;top:0;left:0;width:100vw;height:100vh;background:#c00">FORGED</span></span>`,
  },
  {
    id: 'overlay-katex-offsets',
    make: () => `$\\raisebox{-80em}{DOWN}$ $\\raisebox{80em}{UP}$ $\\kern{-80em}LEFT$ $\\rule{-10em}{80em}$`,
  },
];
