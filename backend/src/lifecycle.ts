import type { Logger } from './logger';
import { settleWithin } from './util/timeout';

/**
 * Graceful shutdown in a fixed order of phases: stop taking requests, finish or hand back work, end kernels,
 * stop the embedded children, close the store. Each closer's failure is logged and does not stop the others;
 * the whole sequence has a deadline, after which it gives up (the caller then exits and the exit hooks SIGKILL
 * whatever child is left).
 */
export const PHASES = ['http', 'sessions', 'workers', 'queue', 'pools', 'children', 'store'] as const;
export type Phase = (typeof PHASES)[number];

interface Closer {
  phase: Phase;
  name: string;
  close: () => Promise<void> | void;
}

export class Lifecycle {
  private readonly closers: Closer[] = [];
  private running?: Promise<boolean>;

  constructor(private readonly logger: Logger) {}

  /** Register something to close in `phase`. Closers of one phase run concurrently. */
  add(phase: Phase, name: string, close: () => Promise<void> | void): void {
    this.closers.push({ phase, name, close });
  }

  /** Runs every phase in order, once (later calls get the same promise). Resolves false when the deadline hit. */
  shutdown(deadlineMs: number): Promise<boolean> {
    this.running ??= this.run(deadlineMs);
    return this.running;
  }

  private async run(deadlineMs: number): Promise<boolean> {
    const ordered = (async () => {
      for (const phase of PHASES) {
        const inPhase = this.closers.filter((c) => c.phase === phase);
        await Promise.all(
          inPhase.map(async (c) => {
            try {
              await c.close();
              this.logger.debug({ phase, name: c.name }, 'closed');
            } catch (err) {
              this.logger.warn({ err, phase, name: c.name }, 'error while closing; continuing');
            }
          }),
        );
      }
      return true as const;
    })();
    const { settled: done } = await settleWithin(ordered, deadlineMs);
    if (!done) this.logger.error({ deadlineMs }, 'shutdown deadline passed; exiting anyway');
    return done;
  }
}
