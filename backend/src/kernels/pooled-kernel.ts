import type { Kernel } from '@jupyterlab/services';
import type { KernelEnvironment } from '../contracts/runs';
import { settleWithin } from '../util/timeout';

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
  // Mid-reconnect (e.g. right after a restart), services' own request is not sent yet: wait for the socket first.
  await settledConnecting(connection, ms);
  if (connection.isDisposed || connection.connectionStatus !== 'connected' || connection.status === 'dead') return;
  await settleWithin(
    connection.requestKernelInfo().catch(() => undefined),
    ms,
  );
}

/**
 * @jupyterlab/services (7.6) sends a kernel_info_request after every (re)connect and chains `.then` on it without a
 * catch; a restart that lands before the reply cancels that request, and the rejection surfaces as an unhandled
 * rejection (fatal in Node by default; seen in CI while the pool recycled a kernel that had just reconnected).
 * Services already treats a request cancelled by disposal as "no reply"; this extends that to one cancelled by a
 * restart, on this connection only. Every other error still rejects.
 */
export function tolerateCancelledKernelInfo(connection: Kernel.IKernelConnection): void {
  const request = connection.requestKernelInfo.bind(connection);
  connection.requestKernelInfo = () =>
    request().catch((e: unknown) => {
      if (e instanceof Error && e.message.startsWith('Canceled future for kernel_info_request')) return undefined;
      throw e;
    });
}

/** Resolves once the connection is no longer (re)connecting, or after `ms`. */
export function settledConnecting(conn: Kernel.IKernelConnection, ms: number): Promise<void> {
  if (conn.isDisposed || conn.connectionStatus !== 'connecting') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      conn.connectionStatusChanged.disconnect(onChange);
      resolve();
    }
    function onChange(_: unknown, status: string) {
      if (status !== 'connecting') done();
    }
    conn.connectionStatusChanged.connect(onChange);
  });
}
