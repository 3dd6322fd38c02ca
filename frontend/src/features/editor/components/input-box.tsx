import { useEffect, useRef, useState } from 'react';
import type { InputRequest } from '../api/use-kernel';

/**
 * The box for a running cell's input() / getpass() (JupyterLab's stdin widget): the prompt, a field (masked for a
 * password) that takes focus, Enter sends the answer. It goes away when answered, interrupted or restarted.
 */
export function InputBox({ request, onSubmit }: { request: InputRequest; onSubmit: (value: string) => void }) {
  const [value, setValue] = useState('');
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus({ preventScroll: false }), [request]);
  return (
    <form
      className="input-box"
      data-testid="input-box"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(value);
      }}
    >
      <label>
        <span className="input-prompt">{request.prompt}</span>
        <input
          ref={field}
          type={request.password ? 'password' : 'text'}
          autoComplete={request.password ? 'current-password' : 'off'}
          spellCheck={false}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => e.stopPropagation()}
          data-testid="input-field"
          aria-label={request.prompt.trim() || (request.password ? 'Password' : 'Input')}
        />
      </label>
    </form>
  );
}
