import { AuditLog } from '../../features/audit/components/audit-log';

export function AuditPage() {
  return <AuditLog />;
}
