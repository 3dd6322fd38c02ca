import type { Kernel } from '@jupyterlab/services';
import type { KernelEnvironment } from '../store/store';

/** A kernel handed out by the KernelPool (or started on its own): a live connection plus bookkeeping. */
export interface PooledKernel {
  readonly id: string;
  readonly kernelName: string;
  readonly connection: Kernel.IKernelConnection;
  /** Set when the kernel died (or had to be restarted) under a run: the pool discards it on release. */
  died: boolean;
  /** Cached environment capture (see environment.ts), valid across restarts of the same kernel. */
  environment?: Promise<KernelEnvironment>;
}

/**
 * Wait (bounded) until the connection's own kernel_info_request is answered. After every (re)connect,
 * @jupyterlab/services sends one and does not catch its rejection, so restarting or disposing the
 * connection before it is answered surfaces as an unhandled rejection. Shell replies come in order:
 * once ours is answered, theirs is too.
 */
export async function drainKernelInfo(connection: Kernel.IKernelConnection, ms = 3_000): Promise<void> {
  if (connection.isDisposed || connection.connectionStatus !== 'connected' || connection.status === 'dead') return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([connection.requestKernelInfo().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
