import { describe, expect, it } from 'vitest';
import { npmInstallReason } from './npm-lock.mjs';

const lock = {
  packages: {
    '': { name: 'folio', workspaces: ['backend'] },
    backend: { name: '@folio/backend' },
    'node_modules/@folio/backend': { resolved: 'backend', link: true },
    'node_modules/express': { version: '5.3.0' },
    'node_modules/@esbuild/darwin-arm64': { version: '0.25.0', optional: true },
    'backend/node_modules/semver': { version: '7.8.5' },
  },
};
const installed = {
  packages: {
    'node_modules/@folio/backend': { resolved: 'backend', link: true },
    'node_modules/express': { version: '5.3.0' },
    'backend/node_modules/semver': { version: '7.8.5' },
  },
};

describe('npmInstallReason', () => {
  it('is null when every locked package is installed at its version (optional ones may be absent)', () => {
    expect(npmInstallReason(lock, installed)).toBeNull();
  });

  it('asks for an install when node_modules was never installed', () => {
    expect(npmInstallReason(lock, null)).toMatch(/node_modules is missing/);
  });

  it('notices a missing package and a version that moved in the lockfile', () => {
    const { 'node_modules/express': _express, ...rest } = installed.packages;
    expect(npmInstallReason(lock, { packages: rest })).toBe('express is not installed');
    const moved = { packages: { ...installed.packages, 'backend/node_modules/semver': { version: '7.0.0' } } };
    expect(npmInstallReason(lock, moved)).toBe('semver is 7.0.0, the lockfile wants 7.8.5');
  });
});
