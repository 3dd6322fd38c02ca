import fs from 'node:fs';
import path from 'node:path';
import { isDomainError } from '../errors';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import { generatePassword } from './password';
import { UsersService } from './users.service';

/** Where the generated first-admin password is written (in DATA_DIR), readable by Folio's user only (0600). */
export const INITIAL_PASSWORD_FILE = 'initial-admin-password.txt';

export interface BootstrapResult {
  /** The admin's id when one was created now; null when users already existed. */
  createdAdminId: string | null;
  /** The generated password, when none was configured (written to `passwordFile`, never logged). */
  generatedPassword?: string;
  /** The 0600 file holding the generated password. */
  passwordFile?: string;
}

/**
 * On first start (no users at all) creates an admin from `admin.email` / `admin.password`
 * (FOLIO_ADMIN_EMAIL / FOLIO_ADMIN_PASSWORD). Without a configured password a random one is generated and written to
 * `<dataDir>/initial-admin-password.txt` (mode 0600, replacing any such file); the log says where, never the password
 * (logs travel: terminals, CI output, log shippers). It is never stored in clear anywhere else. Does nothing when any
 * user exists.
 */
export async function bootstrapAdmin(opts: {
  store: Store;
  logger: Logger;
  admin: { email: string; password?: string };
  dataDir: string;
}): Promise<BootstrapResult> {
  const log = opts.logger.child({ component: 'bootstrap' });
  if ((await opts.store.users.count()) > 0) return { createdAdminId: null };
  const generated = opts.admin.password ? undefined : generatePassword();
  const password = opts.admin.password ?? generated ?? '';
  let admin;
  try {
    admin = await new UsersService(opts.store).create({
      email: opts.admin.email,
      name: 'Administrator',
      role: 'admin',
      password,
    });
  } catch (e) {
    // Another process (web and worker starting together) created it first.
    if (isDomainError(e) && e.code === 'conflict') return { createdAdminId: null };
    throw e;
  }
  if (!generated) {
    log.info(
      { email: admin.email },
      'First start: created the admin account from FOLIO_ADMIN_EMAIL / FOLIO_ADMIN_PASSWORD',
    );
    return { createdAdminId: admin.id };
  }
  const passwordFile = path.join(opts.dataDir, INITIAL_PASSWORD_FILE);
  writePrivateFile(passwordFile, `email: ${admin.email}\npassword: ${generated}\n`);
  log.warn(
    { email: admin.email, file: passwordFile },
    `First start: created the admin account ${admin.email} with a generated password, written to ${passwordFile} ` +
      '(readable only by this user). Sign in, change the password (your name ▾ → Change password), then delete the file.',
  );
  return { createdAdminId: admin.id, generatedPassword: generated, passwordFile };
}

/**
 * Creates `file` with `content`, mode 0600 from the first byte: an older file is removed first and the new one is
 * opened exclusively (`wx`), so no other user can ever read it and no symlink planted there is followed.
 */
function writePrivateFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.fchmodSync(fd, 0o600); // the umask cannot widen it, but be explicit
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}
