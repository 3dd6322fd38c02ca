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
