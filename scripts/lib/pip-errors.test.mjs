import { describe, expect, it } from 'vitest';
import { parsePipFailure } from './pip-errors.mjs';

// Real pip 23 outputs (trimmed), captured from `pip install -r` runs that failed.
const NO_VERSION = `Looking in links: /opt/wheels
ERROR: Ignored the following versions that require a different python version: 1.21.2 Requires-Python >=3.7,<3.11
ERROR: Could not find a version that satisfies the requirement numpy==99.0.0 (from versions: 1.3.0, 2.4.6)
ERROR: No matching distribution found for numpy==99.0.0`;

const UNKNOWN_PACKAGE = `Collecting six==1.16.0 (from -r /tmp/req.txt (line 1))
  Downloading six-1.16.0-py2.py3-none-any.whl (11 kB)
ERROR: Could not find a version that satisfies the requirement not-a-real-package==1.0 (from versions: none)
ERROR: No matching distribution found for not-a-real-package==1.0`;

const BUILD_FAILED = `Collecting pyzmq==19.0.0
  Building wheel for pyzmq (pyproject.toml) ... error
  error: subprocess-exited-with-error
  × Building wheel for pyzmq (pyproject.toml) did not run successfully.
  ERROR: Failed building wheel for pyzmq
Failed to build pyzmq
ERROR: Could not build wheels for pyzmq, which is required to install pyproject.toml-based projects`;

const NETWORK = `Collecting jupyter_server==2.21.1
Collecting numpy==2.4.6
  WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken
ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Max retries exceeded`;

const CONFLICT = `ERROR: Cannot install ipykernel==6.31.0 and jupyter-client==5.0 because these package versions have conflicting dependencies.`;

describe('parsePipFailure', () => {
  it('names the requirement pip cannot find, with its own reason', () => {
    expect(parsePipFailure(NO_VERSION)).toEqual({
      package: 'numpy==99.0.0',
      reason: 'No matching distribution found for numpy==99.0.0',
    });
    expect(parsePipFailure(UNKNOWN_PACKAGE)?.package).toBe('not-a-real-package==1.0');
  });

  it('names a package whose wheel failed to build', () => {
    expect(parsePipFailure(BUILD_FAILED)).toEqual({ package: 'pyzmq', reason: 'Failed building wheel for pyzmq' });
  });

  it('falls back to the package being collected when the error names none', () => {
    expect(parsePipFailure(NETWORK)).toEqual({
      package: 'numpy==2.4.6',
      reason: expect.stringMatching(/^Could not install packages due to an OSError: HTTPSConnectionPool/),
    });
  });

  it('names both sides of a dependency conflict', () => {
    expect(parsePipFailure(CONFLICT)?.package).toBe('ipykernel==6.31.0 and jupyter-client==5.0');
  });

  it('returns null for output it does not understand', () => {
    expect(parsePipFailure('Segmentation fault')).toBeNull();
    expect(parsePipFailure('')).toBeNull();
  });
});
