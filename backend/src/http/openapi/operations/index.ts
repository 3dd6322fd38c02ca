import type { ApiOperation } from '../operation';
import { APP_OPERATIONS } from './apps';
import { AUDIT_OPERATIONS } from './audit';
import { AUTH_OPERATIONS } from './auth';
import { KERNEL_OPERATIONS } from './kernels';
import { NOTEBOOK_OPERATIONS } from './notebooks';
import { OPS_OPERATIONS } from './ops';
import { RUN_OPERATIONS } from './runs';
import { TOKEN_OPERATIONS } from './tokens';
import { USER_OPERATIONS } from './users';

/**
 * Every operation of the API, one file per area. A new route adds its operation to its area's file (or a new file
 * listed here); openapi.test.ts fails until it does.
 */
export const API_OPERATIONS: readonly ApiOperation[] = [
  ...OPS_OPERATIONS,
  ...AUTH_OPERATIONS,
  ...NOTEBOOK_OPERATIONS,
  ...APP_OPERATIONS,
  ...RUN_OPERATIONS,
  ...KERNEL_OPERATIONS,
  ...TOKEN_OPERATIONS,
  ...AUDIT_OPERATIONS,
  ...USER_OPERATIONS,
];
