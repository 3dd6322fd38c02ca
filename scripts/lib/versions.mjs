// Version checks for scripts/setup.mjs (pure functions, unit-tested in versions.test.mjs).

/** First "X.Y[.Z]" in a string ("v20.19.1", "Python 3.11.7", "3.10") → [X, Y, Z], or null. */
export function parseVersion(text) {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(String(text ?? ''));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** Whether version `v` ([X, Y, Z]) is at least `min` ([X, Y, Z]). */
export function atLeast(v, min) {
  for (let i = 0; i < 3; i++) {
    if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  }
  return true;
}

export const MIN_NODE = [20, 19, 0];
export const MIN_PYTHON = [3, 10, 0];

/** null when this Node is recent enough, else the message to print. */
export function nodeProblem(version) {
  const v = parseVersion(version);
  if (v && atLeast(v, MIN_NODE)) return null;
  return `Folio needs Node.js >= ${MIN_NODE.join('.')}; this is ${version}. Install a current Node.js LTS (https://nodejs.org/ or your package manager) and retry.`;
}

/**
 * Given what `<python> --version` printed (null when it could not run), null when usable, else the message.
 * Python 2 printed its version on stderr; the caller passes stdout + stderr.
 */
export function pythonProblem(command, output) {
  const how =
    'Install Python >= 3.10 with venv (Debian/Ubuntu: apt-get install -y python3 python3-venv; macOS: brew install python) ' +
    'or point FOLIO_PYTHON at one.';
  if (output == null) return `Python was not found (tried "${command}"). ${how}`;
  const v = parseVersion(output);
  if (!v) return `Could not read the Python version from "${command} --version" (it printed: ${output.trim()}). ${how}`;
  if (!atLeast(v, MIN_PYTHON)) return `Folio needs Python >= ${MIN_PYTHON.slice(0, 2).join('.')}; "${command}" is ${v.join('.')}. ${how}`;
  return null;
}
