import { useState, type FormEvent } from 'react';
import { Button } from '../../../components/ui/button';

/** Tag chips with remove buttons, an input to add one, and a one-click toggle for the `parameters` tag. */
export function CellTags({ tags, onChange }: { tags: string[]; onChange: (tags: string[]) => void }) {
  const [draft, setDraft] = useState('');
  const handleAdd = (e: FormEvent) => {
    e.preventDefault();
    const t = draft.trim();
    if (t && !/\s/.test(t) && !tags.includes(t)) onChange([...tags, t]);
    setDraft('');
  };
  const isParams = tags.includes('parameters');
  return (
    <div className="cell-tags" data-testid="cell-tags">
      {tags.map((t) => (
        <span key={t} className="tag">
          {t}
          <button type="button" aria-label={`Remove tag ${t}`} onClick={() => onChange(tags.filter((x) => x !== t))}>
            ×
          </button>
        </span>
      ))}
      <form onSubmit={handleAdd} className="tag-form">
        <input
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="Add tag"
          aria-label="Add tag"
          pattern="\S+"
          data-testid="tag-input"
        />
      </form>
      <Button
        variant="ghost"
        aria-pressed={isParams}
        onClick={() => onChange(isParams ? tags.filter((t) => t !== 'parameters') : [...tags, 'parameters'])}
        data-testid="toggle-parameters"
      >
        {isParams ? 'Unmark parameters' : 'Mark as parameters'}
      </Button>
    </div>
  );
}
