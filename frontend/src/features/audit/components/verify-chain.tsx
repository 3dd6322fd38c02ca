import { Button } from '../../../components/ui/button';
import { ErrorMessage } from '../../../components/ui/error-message';
import { useVerifyAudit } from '../api/verify-audit';

/** "Verify chain": recomputes every event's hash on the server and says intact, or where it breaks. */
export function VerifyChain() {
  const verify = useVerifyAudit();
  const result = verify.data;
  return (
    <div className="audit-verify" data-testid="audit-verify">
      <Button onClick={() => verify.mutate()} disabled={verify.isPending} data-testid="audit-verify-button">
        {verify.isPending ? 'Verifying…' : 'Verify chain'}
      </Button>
      <div aria-live="polite">
        {verify.isError && <ErrorMessage title="Could not verify:" error={verify.error} />}
        {result?.intact === true && (
          <p className="audit-verify-ok" data-testid="audit-verify-result" data-intact="true">
            ✓ Chain intact: {result.events} {result.events === 1 ? 'event' : 'events'}
            {result.head && (
              <>
                , newest #{result.head.seq} <code title={result.head.hash}>{result.head.hash.slice(0, 16)}…</code>
              </>
            )}
          </p>
        )}
        {result?.intact === false && (
          <p className="audit-verify-broken" role="alert" data-testid="audit-verify-result" data-intact="false">
            ✗ Chain broken at event #{result.broken.seq}
            {result.broken.at && ` (${new Date(result.broken.at).toLocaleString()})`}: {result.broken.message} The{' '}
            {result.events} events before it are intact.
          </p>
        )}
      </div>
    </div>
  );
}
