import { Fragment, useState } from 'react';
import type { AuditEvent } from '../../../lib/contracts';
import { Button } from '../../../components/ui/button';
import { actorLabel, detailsSummary, targetLabel } from './audit-format';

/** The events, newest first; each row opens to its full details, actor and chain hashes. */
export function AuditTable({ events }: { events: AuditEvent[] }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  return (
    <table className="notebook-table audit-table" data-testid="audit-table">
      <thead>
        <tr>
          <th>#</th>
          <th>Time</th>
          <th>Actor</th>
          <th>IP</th>
          <th>Action</th>
          <th>Target</th>
          <th>Details</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => {
          const expanded = open.has(e.id);
          return (
            <Fragment key={e.id}>
              <tr data-testid="audit-row" data-action={e.action} data-seq={e.seq}>
                <td className="muted">{e.seq}</td>
                <td title={e.at}>{new Date(e.at).toLocaleString()}</td>
                <td title={e.actor.userId ?? ''}>
                  {actorLabel(e.actor)}
                  {e.actor.role && <span className="badge">{e.actor.role}</span>}
                </td>
                <td className="muted">{e.ip ?? '—'}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td title={e.target?.id ?? ''}>{targetLabel(e.target)}</td>
                <td className="audit-details-cell">
                  <Button
                    variant="ghost"
                    aria-expanded={expanded}
                    aria-controls={`audit-details-${e.id}`}
                    onClick={() => toggle(e.id)}
                    data-testid="audit-toggle-details"
                  >
                    {expanded ? 'Hide' : 'Show'}
                  </Button>{' '}
                  <span className="muted">{detailsSummary(e.details)}</span>
                </td>
              </tr>
              {expanded && (
                <tr id={`audit-details-${e.id}`} className="audit-details-row" data-testid="audit-details">
                  <td colSpan={7}>
                    <dl>
                      <dt>Event</dt>
                      <dd>
                        <code>{e.id}</code>
                      </dd>
                      <dt>Actor</dt>
                      <dd>
                        <pre>{JSON.stringify(e.actor, null, 2)}</pre>
                      </dd>
                      <dt>Target</dt>
                      <dd>
                        <pre>{JSON.stringify(e.target, null, 2)}</pre>
                      </dd>
                      <dt>Details</dt>
                      <dd>
                        <pre>{JSON.stringify(e.details, null, 2)}</pre>
                      </dd>
                      <dt>Hash</dt>
                      <dd>
                        <code>{e.hash}</code> (previous <code>{e.prevHash}</code>)
                      </dd>
                    </dl>
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
