import { useState } from 'react';
import { Button } from './button';

/**
 * A secret the server shows this one time (an API token, a set-password link): in a read-only field selected on focus,
 * with a Copy button and the warning that it cannot be shown again.
 */
export function ShownOnce({
  label,
  value,
  note,
  testId,
}: {
  label: string;
  value: string;
  note: string;
  testId: string;
}) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed'); // no clipboard permission (http, an old browser): the field stays selectable
    }
  };
  return (
    <div className="shown-once">
      <label>
        {label}
        <span className="shown-once-row">
          <input readOnly value={value} onFocus={(e) => e.currentTarget.select()} data-testid={testId} />
          <Button onClick={() => void copy()} data-testid={`${testId}-copy`}>
            {copied === 'yes' ? 'Copied' : 'Copy'}
          </Button>
        </span>
      </label>
      <p className="muted">
        {copied === 'failed' ? 'Could not copy: select the text and copy it yourself. ' : ''}
        {note}
      </p>
    </div>
  );
}
