import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with node:crypto scrypt and a random 16-byte salt, encoded as
 * `scrypt$N$r$p$<salt base64>$<hash base64>` so the cost can be raised later without breaking old hashes.
 * N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds) follows the OWASP minimum for scrypt.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
/** Accepted lengths of a new password (NIST SP 800-63B: at least 8; long passphrases welcome). */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }, keylen: number) {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, COST, KEY_LENGTH);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** True when `password` matches `encoded`. Malformed hashes never match. Constant-time on the derived keys. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  const sane = (n: number, max: number) => Number.isInteger(n) && n > 0 && n <= max;
  if (
    !sane(N, 2 ** 20) ||
    (N & (N - 1)) !== 0 ||
    !sane(r, 32) ||
    !sane(p, 16) ||
    salt.length === 0 ||
    expected.length < 16
  ) {
    return false;
  }
  const actual = await derive(password, salt, { N, r, p }, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A random password for a generated account: 24 characters from a URL-safe alphabet (~143 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
