import { QueueEvents, type QueueEventsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { withTimeout } from '../util/timeout';
import type { ConnectionOptions } from './connection';
import { isRunProgress, type RunEventSource, type RunJobEvent } from '../runs/run-progress';
import { RUN_QUEUE_NAME } from './run-queue';

export interface BullRunEventsOptions {
  /** Blocking reads: use workerConnection (retries while Redis is away). */
  connection: ConnectionOptions;
  /** Default RUN_QUEUE_NAME. */
  name?: string;
  /** Redis key prefix. Default BullMQ's 'bull'. */
  prefix?: string;
  logger: Logger;
}

type Listener = (e: RunJobEvent) => void;

/**
 * The web side of run progress: one BullMQ QueueEvents for the whole run queue (one blocking Redis connection,
 * not one per browser), dispatching each job's events to the listeners of that run id. Progress messages come
 * from `job.updateProgress` in the worker, whichever process it runs in.
 *
 * The event stream is read from its last entry at start-up (not BullMQ's '$', resolved at each blocking read),
 * so an event published after `subscribe` resolves is never missed.
 */
export class BullRunEvents implements RunEventSource {
  readonly queueEvents: QueueEvents;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly started: Promise<void>;
  private readonly log: Logger;
  private readonly connection: ConnectionOptions;
  private positionClient: Redis | undefined;
  private eventsClient: Redis | undefined;
  private wasReady = false;
  private closed = false;

  constructor(opts: BullRunEventsOptions) {
    this.connection = opts.connection;
    this.log = opts.logger.child({ component: 'run-events' });
    this.queueEvents = new QueueEvents(opts.name ?? RUN_QUEUE_NAME, { connection: opts.connection, prefix: opts.prefix, autorun: false });
    this.queueEvents.on('error', (err) => this.log.warn({ err }, 'run events connection error; retrying'));
    this.queueEvents.on('progress', ({ jobId, data }) => {
      if (isRunProgress(data)) this.emit(jobId, { kind: 'progress', progress: data });
    });
    this.queueEvents.on('completed', ({ jobId }) => this.emit(jobId, { kind: 'ended', outcome: 'completed' }));
    // Only a job that failed for good reaches 'failed'; a retried attempt goes back to 'waiting' or 'delayed'.
    this.queueEvents.on('failed', ({ jobId }) => this.emit(jobId, { kind: 'ended', outcome: 'failed' }));
    this.started = this.start();
    this.queueEvents.client.then(
      (c) => {
        const redis = (this.eventsClient = c as unknown as Redis);
        if (redis.status === 'ready') this.wasReady = true;
        redis.on('ready', () => (this.wasReady = true));
      },
      () => undefined,
    );
  }

  /**
   * Whether the blocking connection that reads the event stream is connected (ioredis status 'ready'), waiting up to
   * `ms` for it to become so (it may still be connecting right after start-up).
   */
  async whenAvailable(ms: number): Promise<boolean> {
    if (this.closed) return false;
    const client = this.eventsClient ?? (await withTimeout(this.queueEvents.client, ms, 'run events client').catch(() => undefined));
    if (!client) return false;
    const redis = client as unknown as Redis;
    if (redis.status === 'ready') return true;
    // Connected before and lost since: Redis is away; say so at once. Only a first connection is waited for.
    if (this.wasReady) return false;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      function done(ok: boolean) {
        clearTimeout(timer);
        redis.off('ready', onReady);
        resolve(ok);
      }
      function onReady() {
        done(true);
      }
      redis.on('ready', onReady);
    });
  }

  async subscribe(runId: string, listener: Listener): Promise<() => void> {
    await this.started;
    let set = this.listeners.get(runId);
    if (!set) this.listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(runId) === set) this.listeners.delete(runId);
    };
  }

  /** Listeners currently subscribed (to one run, or to all). */
  listenerCount(runId?: string): number {
    if (runId !== undefined) return this.listeners.get(runId)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Closes the connection; while Redis is away a graceful close cannot finish, so after 2 s it is cut. */
  async close(): Promise<void> {
    this.closed = true;
    this.positionClient?.disconnect();
    const closing = this.queueEvents.close();
    try {
      await withTimeout(closing, 2_000, 'closing the run events connection');
    } catch {
      await this.queueEvents.disconnect();
      closing.catch(() => undefined);
    }
  }

  private emit(jobId: string, e: RunJobEvent): void {
    for (const l of [...(this.listeners.get(jobId) ?? [])]) l(e);
  }

  private async start(): Promise<void> {
    // BullMQ's client adapter has no XREVRANGE: a short-lived ioredis client of the same options reads it.
    const redis = (this.positionClient = new Redis({ ...this.connection, lazyConnect: true }));
    redis.on('error', () => undefined); // retried per the options; a lasting failure surfaces below
    try {
      const [last] = await redis.xrevrange(this.queueEvents.toKey('events'), '+', '-', 'COUNT', 1);
      (this.queueEvents.opts as QueueEventsOptions).lastEventId = last?.[0] ?? '0-0';
    } catch (err) {
      this.log.warn({ err }, "could not read the run events' position; reading new events only");
    } finally {
      redis.disconnect();
    }
    if (this.closed) return;
    this.queueEvents.run().catch((err: unknown) => this.log.warn({ err }, 'run events stopped'));
  }
}
