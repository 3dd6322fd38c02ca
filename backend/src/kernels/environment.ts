import type { KernelEnvironment } from '../contracts/runs';
import { executeCode } from './executor';
import type { PooledKernel } from './pooled-kernel';

/**
 * The kernel's Python version and installed package versions, for reproducibility of runs.
 * One `importlib.metadata` scan per kernel (cached on the PooledKernel: a restart keeps the same
 * interpreter and site-packages). Runs inside a function and leaves no name or history behind.
 */
const CAPTURE = `def __folio_env():
    import importlib.metadata, json, platform
    pkgs = {}
    for d in importlib.metadata.distributions():
        name = d.metadata["Name"]
        if name:
            pkgs[name.lower()] = d.version
    print(json.dumps({"python": platform.python_version(), "implementation": platform.python_implementation(), "packages": dict(sorted(pkgs.items()))}))
__folio_env()
del __folio_env
`;

export function kernelEnvironment(kernel: PooledKernel): Promise<KernelEnvironment> {
  kernel.environment ??= capture(kernel).catch((e: unknown) => {
    kernel.environment = undefined; // do not cache a failure
    throw e;
  });
  return kernel.environment;
}

async function capture(kernel: PooledKernel): Promise<KernelEnvironment> {
  const r = await executeCode(kernel, CAPTURE, { silent: true, storeHistory: false, timeoutMs: 30_000 });
  const text = r.outputs
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => (o.output_type === 'stream' ? (typeof o.text === 'string' ? o.text : o.text.join('')) : ''))
    .join('');
  if (r.status !== 'ok' || !text.trim()) {
    throw new Error(`Could not read the kernel environment (status ${r.status}${r.error ? `: ${r.error.ename} ${r.error.evalue}` : ''})`);
  }
  const parsed = JSON.parse(text) as KernelEnvironment;
  return { python: parsed.python, implementation: parsed.implementation, packages: parsed.packages };
}
