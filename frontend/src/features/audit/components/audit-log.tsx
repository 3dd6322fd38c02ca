import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Button } from '../../../components/ui/button';
import { ErrorMessage } from '../../../components/ui/error-message';
import { Spinner } from '../../../components/ui/spinner';
import { isApiError } from '../../../lib/api-client';
import { auditCsvUrl, PAGE_SIZE, useAuditPage, type AuditFilters } from '../api/get-audit';
import { AuditFiltersForm } from './audit-filters';
import { AuditTable } from './audit-table';
import { filtersFromSearch, filtersToSearch } from './audit-format';
import { VerifyChain } from './verify-chain';

/**
 * The admin's audit page: filters (kept in the URL), the events newest first in pages of 50 (a cursor per page, so
 * events recorded meanwhile never shift a page), CSV download of everything the filters match, chain verification.
 */
export function AuditLog() {
  const [search, setSearch] = useSearchParams();
  const filters = filtersFromSearch(search);
  const filterKey = search.toString();
  // Cursors of the pages before this one: Older pushes, Newer pops. New filters start again at the newest.
  const [pages, setPages] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = pages.key === filterKey ? pages.cursors : [];
  const cursor = cursors[cursors.length - 1];
  const page = useAuditPage(filters, cursor);
  const apply = (f: AuditFilters) => setSearch(filtersToSearch(f));
  const events = page.data?.events ?? [];
  const filtered = filterKey !== '';
  const first = cursors.length * PAGE_SIZE + 1;

  return (
    <section className="page page-wide audit-page" data-testid="audit-page" aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit trail</h1>
        <div className="page-tools">
          <VerifyChain />
          <a className="btn" href={auditCsvUrl(filters)} download data-testid="audit-download-csv">
            Download CSV
          </a>
        </div>
      </div>
      <p className="muted">
        Every sign-in, user, notebook, run, token and access change, newest first. Events cannot be edited or deleted;
        each carries the hash of the one before it, so “Verify chain” shows any change made in the database.
      </p>
      <AuditFiltersForm key={filterKey} value={filters} onApply={apply} />
      {page.isPending ? (
        <Spinner label="Loading events…" />
      ) : page.isError ? (
        <ErrorMessage
          title={isApiError(page.error, 403) ? 'Only admins can read the audit trail.' : 'Could not load the events.'}
          error={page.error}
          onRetry={() => void page.refetch()}
        />
      ) : events.length === 0 ? (
        <p className="empty" data-testid="audit-empty">
          {filtered ? 'No events match these filters.' : 'No events have been recorded yet.'}
        </p>
      ) : (
        <>
          <AuditTable events={events} />
          <nav className="audit-pager" aria-label="Pages">
            <Button
              disabled={cursors.length === 0}
              onClick={() => setPages({ key: filterKey, cursors: cursors.slice(0, -1) })}
              data-testid="audit-newer"
            >
              ← Newer
            </Button>
            <span className="muted" data-testid="audit-range">
              {page.isFetching ? 'Loading…' : `Events ${first}–${first + events.length - 1}`}
            </span>
            <Button
              disabled={!page.data?.next || page.isFetching}
              onClick={() => page.data?.next && setPages({ key: filterKey, cursors: [...cursors, page.data.next] })}
              data-testid="audit-older"
            >
              Older →
            </Button>
          </nav>
        </>
      )}
    </section>
  );
}
