import { useState } from 'react';

export const MIN_PASSWORD = 8;

/** Why a new password cannot be sent yet, or null: long enough, and typed the same twice. */
export function newPasswordProblem(next: string, repeat: string): string | null {
  if (next.length < MIN_PASSWORD) return `Use at least ${MIN_PASSWORD} characters.`;
  if (next !== repeat) return 'The two passwords differ.';
  return null;
}

/** "New password" and "Repeat it", as password managers expect them (autocomplete new-password). */
export function usePasswordFields() {
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const fields = (
    <>
      <label>
        New password <span className="muted">(at least {MIN_PASSWORD} characters)</span>
        <input
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          data-testid="new-password"
        />
      </label>
      <label>
        Repeat the new password
        <input
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          data-testid="repeat-password"
        />
      </label>
    </>
  );
  return { next, problem: newPasswordProblem(next, repeat), fields, clear: () => (setNext(''), setRepeat('')) };
}
