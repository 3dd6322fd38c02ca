import { KernelSessionIdParamsSchema } from '../../kernels/kernels.schema';
import type { ApiOperation } from '../operation';

const tag = 'Live kernels';

export const KERNEL_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/kernels',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Running live kernels (yours; admins: everyone’s)',
    responses: { 200: '`{kernels: RunningKernel[]}`, most recently used first.' },
  },
  {
    method: 'DELETE',
    path: '/api/kernels/:id',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Shut a live kernel down',
    params: KernelSessionIdParamsSchema,
    responses: { 204: 'Shut down.', 404: 'No such session, or not yours.' },
  },
  {
    method: 'DELETE',
    path: '/api/kernels',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Shut down every live kernel you see',
    responses: { 200: '`{shutDown: n}`' },
  },
];
