import { isDomainError } from '../errors';
import type { Logger } from '../logger';
import type { Store } from '../store/store';
import { generatePassword } from './password';
import { UsersService } from './users.service';

export interface BootstrapResult {
  /** The admin's id when one was created now; null when users already existed. */
  createdAdminId: string | null;
  /** The generated password, when none was configured (already logged once). */
  generatedPassword?: string;
}

/**
 * On first start (no users at all) creates an admin from `admin.email` / `admin.password`
 * (FOLIO_ADMIN_EMAIL / FOLIO_ADMIN_PASSWORD). Without a configured password a random one is generated and logged
 * once, here; it is never stored in clear or shown again. Does nothing when any user exists.
 */
export async function bootstrapAdmin(opts: {
  store: Store;
  logger: Logger;
  admin: { email: string; password?: string };
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
  if (generated) {
    // In the message, not in a field: the logger redacts fields named "password".
    log.warn(
      `First start: created the admin account ${admin.email} with the generated password ${generated}  ` +
        '(shown only this once: sign in and keep it, or set FOLIO_ADMIN_PASSWORD before the first start)',
    );
  } else {
    log.info(
      { email: admin.email },
      'First start: created the admin account from FOLIO_ADMIN_EMAIL / FOLIO_ADMIN_PASSWORD',
    );
  }
  return { createdAdminId: admin.id, generatedPassword: generated };
}
