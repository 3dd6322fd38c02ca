// Test fixture for audit.service.test.ts: another process appending to the same SQLite audit trail. Argument: the
// database file, a writer name and a count. It waits for "go" on stdin (so both writers start together), records
// `count` events, prints "done" and exits.
import { createInterface } from 'node:readline';
import pino from 'pino';
import { openSqliteStore } from '../../store/sqlite/sqlite-store';
import { AuditService } from '../audit.service';

const [file, writer, count] = process.argv.slice(2) as [string, string, string];
const store = openSqliteStore(file);
const audit = new AuditService({ audit: store.audit, logger: pino({ level: 'silent' }) });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'go') continue;
  for (let i = 0; i < Number(count); i++) {
    await audit.record({ action: 'run.request', actor: { system: writer }, details: { writer, i } });
  }
  await store.close();
  process.stdout.write('done\n');
  process.exit(0);
}
