import { AuditQuerySchema } from '../../audit/audit.schema';
import type { ApiOperation } from '../operation';

const tag = 'Audit';

export const AUDIT_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/audit',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: 'Audit events, newest first, filtered and paged by cursor (CSV with Accept: text/csv or format=csv)',
    query: AuditQuerySchema,
    responses: {
      200: {
        description:
          '`{events: [{id, seq, at, actor, ip, action, target, details, prevHash, hash}], next}`; or the CSV attachment.',
      },
      403: 'Admins only.',
    },
  },
  {
    method: 'GET',
    path: '/api/audit/verify',
    tag,
    auth: 'admin',
    scope: 'admin',
    summary: "Check the audit trail's hash chain",
    responses: {
      200: '`{intact: true, events, head}` or `{intact: false, events, broken: {seq, id, at, reason, message}}`.',
      403: 'Admins only.',
    },
  },
];
