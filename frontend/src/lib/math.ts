/**
 * Pulls LaTeX math out of Markdown before the Markdown parser sees it (as Jupyter's `removeMath` does), so `_`, `*`
 * and `\\` inside formulas are not taken as emphasis or escapes. Code spans and fenced code blocks are left alone.
 */
export interface MathPiece {
  tex: string;
  display: boolean;
}

const MATH =
  /(\$\$[\s\S]+?\$\$)|(\\\[[\s\S]+?\\\])|(\\begin\{([a-zA-Z*]+)\}[\s\S]+?\\end\{\4\})|(\\\([\s\S]+?\\\))|(?<![\\$\w])\$(?=[^\s$])((?:[^$\\\n]|\\.)+?)(?<=\S)\$(?!\d)/g;

export const mathPlaceholder = (i: number) => `@@${i}@@`;

function extract(text: string, math: MathPiece[]): string {
  return text.replace(
    MATH,
    (m, dd: string, bracket: string, env: string, _envName: string, paren: string, inline: string) => {
      let piece: MathPiece;
      if (dd) piece = { tex: m.slice(2, -2), display: true };
      else if (bracket) piece = { tex: m.slice(2, -2), display: true };
      else if (env) piece = { tex: m, display: true };
      else if (paren) piece = { tex: m.slice(2, -2), display: false };
      else piece = { tex: inline, display: false };
      math.push(piece);
      return mathPlaceholder(math.length - 1);
    },
  );
}

export function removeMath(markdown: string): { text: string; math: MathPiece[] } {
  const math: MathPiece[] = [];
  const out: string[] = [];
  // Split into fenced code blocks (kept verbatim) and prose; inside prose, keep inline code spans verbatim.
  const fence = /^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^\1\2[`~]*[ \t]*$|(?![\s\S]))/gm;
  let last = 0;
  for (const m of markdown.matchAll(fence)) {
    out.push(extractProse(markdown.slice(last, m.index), math), m[0]);
    last = m.index + m[0].length;
  }
  out.push(extractProse(markdown.slice(last), math));
  return { text: out.join(''), math };
}

function extractProse(prose: string, math: MathPiece[]): string {
  return prose
    .split(/(`+[^`]*?`+)/)
    .map((part, i) => (i % 2 === 1 ? part : extract(part, math)))
    .join('');
}
