import { useState, type ReactNode } from 'react';

export interface SidePanelTab {
  id: string;
  label: string;
  render: () => ReactNode;
}

/**
 * The editor's right sidebar, as JupyterLab's: a strip of tabs; clicking one opens its panel beside the notebook,
 * clicking it again (or Escape inside the panel) closes it. Closed by default, so the notebook keeps its width.
 * Panels are mounted only while open.
 */
export function SidePanel({ tabs }: { tabs: SidePanelTab[] }) {
  const [open, setOpen] = useState<string | null>(null);
  const current = tabs.find((t) => t.id === open);
  return (
    <aside className="side-panel" data-open={!!current} data-testid="side-panel">
      <div className="side-panel-tabs" role="tablist" aria-orientation="vertical" aria-label="Notebook side panels">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            className="side-panel-tab"
            aria-selected={t.id === open}
            aria-controls={`side-panel-${t.id}`}
            data-testid={`side-tab-${t.id}`}
            onClick={() => setOpen((o) => (o === t.id ? null : t.id))}
          >
            {t.label}
          </button>
        ))}
      </div>
      {current && (
        <div
          className="side-panel-body"
          role="tabpanel"
          id={`side-panel-${current.id}`}
          aria-label={current.label}
          data-testid={`side-panel-${current.id}`}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && !e.defaultPrevented && !(e.target as HTMLElement).closest('[role=dialog]')) {
              setOpen(null);
            }
          }}
        >
          {current.render()}
        </div>
      )}
    </aside>
  );
}
