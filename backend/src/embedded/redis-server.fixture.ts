// Test fixture for redis-server.test.ts: a parent process that starts an embedded redis-server, prints its pid and
// port as one JSON line, then waits to be killed (the test SIGKILLs it and checks Redis goes too).
import pino from 'pino';
import { startRedisServer } from './redis-server';

const redis = await startRedisServer({ dataDir: process.argv[2] ?? '.', logger: pino({ level: 'silent' }) });
process.stdout.write(`${JSON.stringify({ pid: redis.pid, port: redis.port })}\n`);
setInterval(() => undefined, 1 << 30);
