// Reading pip's output after a failed `pip install -r`: which package broke, and pip's own words for why.

const RULES = [
  /No matching distribution found for ([^\s;]+)/,
  /Could not find a version that satisfies the requirement ([^\s;]+)/,
  /Failed building wheel for ([^\s]+)/,
  /Failed to build installable wheels for some pyproject\.toml based projects \(([^)]+)\)/,
  /Could not build wheels for ([^,\s]+)/,
  /ERROR: Failed to build ([^\s]+)/,
  /Cannot install (.+?) because these package versions have conflicting dependencies/,
  /Invalid requirement: '([^']+)'/,
];

const MAX_REASON = 240;
const clip = (line) => (line.length > MAX_REASON ? `${line.slice(0, MAX_REASON)}…` : line);

/** The whole output line around `index`, without pip's "ERROR: " prefix. */
function lineAt(text, index) {
  const start = text.lastIndexOf('\n', index) + 1;
  const end = text.indexOf('\n', index);
  return clip(text.slice(start, end === -1 ? undefined : end).trim().replace(/^ERROR: /, ''));
}

/**
 * `{ package, reason }` for a failed pip run: `package` is the requirement pip's error names (or the last one it
 * was collecting when the error names none); `reason` is pip's line saying so. null when nothing is recognisable.
 */
export function parsePipFailure(output) {
  const text = String(output ?? '');
  for (const rule of RULES) {
    const m = rule.exec(text);
    if (m) return { package: m[1], reason: lineAt(text, m.index) };
  }
  const errors = [...text.matchAll(/^ERROR: (.+)$/gm)];
  const collecting = [...text.matchAll(/^\s*Collecting ([^\s(]+)/gm)].pop();
  if (collecting) {
    const last = errors.pop();
    return { package: collecting[1], reason: last ? clip(last[1].trim()) : 'pip failed while installing it' };
  }
  return null;
}
