import { describe, expect, it } from 'vitest';
import { generatePassword, hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('encodes scrypt parameters, salt and hash, and verifies the right password only', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse battery staple', encoded)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same', a)).toBe(true);
    expect(await verifyPassword('same', b)).toBe(true);
  });

  it('binds the cost parameters into the hash', async () => {
    const encoded = await hashPassword('pw');
    // Re-encode with the same salt/hash but a different N: must then fail (the parameters are part of the hash).
    const tampered = encoded.replace('scrypt$32768$', 'scrypt$16384$');
    expect(await verifyPassword('pw', tampered)).toBe(false);
  });

  it('never matches malformed or hostile encodings', async () => {
    for (const bad of [
      '',
      'plain',
      'scrypt$$$$$',
      'bcrypt$1$2$3$c2FsdA==$aGFzaA==',
      'scrypt$3$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt$1099511627776$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==',
      'scrypt$16384$8$1$$aGFzaA==',
    ]) {
      expect(await verifyPassword('pw', bad)).toBe(false);
    }
  });

  it('treats canonically equivalent unicode passwords as equal', async () => {
    const encoded = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', encoded)).toBe(true);
  });

  it('generates long random passwords', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(generatePassword()).not.toBe(a);
  });
});
