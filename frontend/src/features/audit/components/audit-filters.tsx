import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';
import { AUDIT_ACTIONS, AUDIT_AREAS } from '../../../lib/contracts';
import { NO_FILTERS, type AuditFilters } from '../api/get-audit';
import { isoToLocalInput, localInputToIso } from './audit-format';

/**
 * The filter form: applied on submit (Enter or "Apply"), so typing an email does not query on every key. Time is
 * entered in the browser's time zone and sent as UTC.
 */
export function AuditFiltersForm({ value, onApply }: { value: AuditFilters; onApply: (f: AuditFilters) => void }) {
  // The parent remounts this form (key) when the applied filters change (Apply, Clear, back/forward).
  const [draft, setDraft] = useState(value);
  const set = (k: keyof AuditFilters) => (v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(draft);
  };
  return (
    <form className="audit-filters" onSubmit={submit} aria-label="Filter audit events" data-testid="audit-filters">
      <label>
        Actor
        <input
          value={draft.actor}
          onChange={(e) => set('actor')(e.target.value)}
          placeholder="email, user id or token id"
          data-testid="audit-filter-actor"
        />
      </label>
      <label>
        Action
        <select value={draft.action} onChange={(e) => set('action')(e.target.value)} data-testid="audit-filter-action">
          <option value="">All actions</option>
          {AUDIT_AREAS.map((area) => (
            <optgroup key={area} label={area}>
              <option value={`${area}.*`}>all {area} actions</option>
              {AUDIT_ACTIONS.filter((a) => a.startsWith(`${area}.`)).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label>
        Target
        <input
          value={draft.target}
          onChange={(e) => set('target')(e.target.value)}
          placeholder="id, or type:id (notebook:…)"
          data-testid="audit-filter-target"
        />
      </label>
      <label>
        From
        <input
          type="datetime-local"
          value={isoToLocalInput(draft.from)}
          onChange={(e) => set('from')(localInputToIso(e.target.value))}
          data-testid="audit-filter-from"
        />
      </label>
      <label>
        Until
        <input
          type="datetime-local"
          value={isoToLocalInput(draft.to)}
          onChange={(e) => set('to')(localInputToIso(e.target.value))}
          data-testid="audit-filter-to"
        />
      </label>
      <div className="audit-filter-actions">
        <Button type="submit" variant="primary" data-testid="audit-apply">
          Apply
        </Button>
        <Button onClick={() => onApply(NO_FILTERS)} data-testid="audit-clear">
          Clear
        </Button>
      </div>
    </form>
  );
}
