import { describe, expect, it } from 'vitest';
import { isDomainError } from '../errors';
import { MAX_SEGMENT_BYTES, normalizeFilePath } from './file-path';

const refusal = (p: string) => {
  try {
    normalizeFilePath(p);
  } catch (e) {
    return isDomainError(e) ? `${e.code}: ${e.message}` : String(e);
  }
  return 'accepted';
};

describe('normalizeFilePath', () => {
  it('keeps relative paths with sub-folders, in NFC', () => {
    expect(normalizeFilePath('positions.csv')).toBe('positions.csv');
    expect(normalizeFilePath('img/logos/logo.png')).toBe('img/logos/logo.png');
    expect(normalizeFilePath('.env')).toBe('.env');
    expect(normalizeFilePath('a..b/c...')).toBe('a..b/c...');
    expect(normalizeFilePath('Re\u0301sume\u0301.txt')).toBe('R\u00e9sum\u00e9.txt');
  });

  it.each([
    ['', /empty/],
    ['../x', /"\.\." is not allowed/],
    ['a/../../b', /"\.\." is not allowed/],
    ['a/..', /"\.\." is not allowed/],
    ['./x', /"\." is not allowed/],
    ['/etc/passwd', /relative/],
    ['a\\..\\b', /not "\\"/],
    ['x\u0000.csv', /control character/],
    ['x\ny', /control character/],
    ['x\u007f', /control character/],
    ['a//b', /empty folder or file name/],
    ['a/', /empty folder or file name/],
    ['x'.repeat(MAX_SEGMENT_BYTES + 1), /longer than 255 bytes/],
    ['a/'.repeat(600), /longer than 1024 characters/],
  ])('refuses %j with a 400', (p, why) => {
    expect(refusal(p)).toMatch(/^bad_request: Invalid file path: /);
    expect(refusal(p)).toMatch(why);
  });
});
