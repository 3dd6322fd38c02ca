import { describe, expect, it } from 'vitest';
import { newPasswordProblem } from './password-fields';

describe('newPasswordProblem', () => {
  it('asks for at least 8 characters, then for the same password twice', () => {
    expect(newPasswordProblem('short', 'short')).toMatch(/at least 8/);
    expect(newPasswordProblem('long enough 1', 'long enough 2')).toMatch(/differ/);
    expect(newPasswordProblem('long enough', 'long enough')).toBeNull();
  });
});
