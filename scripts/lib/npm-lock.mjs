// Is node_modules in step with package-lock.json? Compared by content, against npm's own record of what it
// installed (node_modules/.package-lock.json), so a fresh clone, a pulled lockfile change or a half-finished
// install is noticed, and an up-to-date tree is left alone (no 30-second `npm ci` on every start).

/**
 * null when every package of the lockfile is installed at its locked version, else a short reason.
 * `lock` and `installed` are the parsed package-lock.json and node_modules/.package-lock.json (installed: null when
 * missing). Optional packages (other platforms' binaries) may be absent.
 */
export function npmInstallReason(lock, installed) {
  if (!installed) return 'node_modules is missing or was not installed by npm';
  const want = lock?.packages ?? {};
  const have = installed.packages ?? {};
  for (const [key, pkg] of Object.entries(want)) {
    if (key === '' || !key.includes('node_modules/')) continue; // the root and workspace folders themselves
    const got = have[key];
    if (!got) {
      if (pkg.optional) continue;
      return `${key.replace(/^.*node_modules\//, '')} is not installed`;
    }
    if (pkg.version && got.version !== pkg.version) {
      return `${key.replace(/^.*node_modules\//, '')} is ${got.version}, the lockfile wants ${pkg.version}`;
    }
  }
  return null;
}
