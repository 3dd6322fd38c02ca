import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { producerConnection, workerConnection } from './connection';

/** The Redis pub/sub channel on which web processes announce users' sign-in changes (users/user-changes.ts). */
export const USER_CHANGES_CHANNEL = 'folio:user-changes';
/** The channel on which web processes announce changed notebook files (notebook-files/kernel-workspaces.ts). */
export const NOTEBOOK_FILE_CHANGES_CHANNEL = 'folio:notebook-files';

export interface RedisChangeChannel {
  publish(message: string): Promise<void>;
  onMessage(listener: (message: string) => void): void;
  /** Resolves once the subscription is active (messages published from then on arrive). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * A broadcast channel over Redis pub/sub: one subscriber connection (reconnects and re-subscribes by itself, as
 * ioredis does) and one publisher that fails fast while Redis is away — an announcement is a hint (the store is the
 * truth and every socket re-checks periodically), so it is never queued for later.
 */
export function redisChangeChannel(url: string, logger: Logger, channel = USER_CHANGES_CHANNEL): RedisChangeChannel {
  const log = logger.child({ component: 'change-channel', channel });
  const subscriber = new Redis({ ...workerConnection(url), lazyConnect: true });
  const publisher = new Redis({ ...producerConnection(url), lazyConnect: true });
  const listeners: Array<(message: string) => void> = [];
  subscriber.on('message', (ch: string, message: string) => {
    if (ch === channel) for (const l of listeners) l(message);
  });
  // Connection trouble is reported by the readiness probe; here it would only repeat itself.
  subscriber.on('error', (e) => log.debug({ err: e }, 'change channel subscriber error'));
  publisher.on('error', (e) => log.debug({ err: e }, 'change channel publisher error'));
  subscriber.connect().catch(() => undefined);
  publisher.connect().catch(() => undefined);
  const ready = subscriber.subscribe(channel).then(
    () => undefined,
    (e: unknown) => log.warn({ err: e }, 'could not subscribe to a change channel'),
  );
  return {
    ready,
    async publish(message) {
      await publisher.publish(channel, message);
    },
    onMessage(listener) {
      listeners.push(listener);
    },
    async close() {
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}
