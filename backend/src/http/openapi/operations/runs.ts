import { NotebookIdParamsSchema, RunIdParamsSchema, StartRunSchema } from '../../runs/runs.schema';
import type { ApiOperation } from '../operation';

const tag = 'Runs';
const noRun = "No such run, or not yours to see (runs follow their notebook's access).";

export const RUN_OPERATIONS: ApiOperation[] = [
  {
    method: 'POST',
    path: '/api/notebooks/:id/runs',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Run the saved notebook headless (papermill-like)',
    params: NotebookIdParamsSchema,
    body: { schema: StartRunSchema, required: false },
    responses: {
      202: '`{id, status}` with a Location header.',
      400: 'A bad parameter, named.',
      404: 'No such notebook, or not yours to see.',
      503: 'The queue (Redis) is unavailable; Retry-After.',
    },
  },
  {
    method: 'GET',
    path: '/api/runs/:id',
    tag,
    auth: 'user',
    scope: 'notebooks:read',
    summary: 'Read a run: status, parameters, per-cell outputs and timings, error, environment',
    params: RunIdParamsSchema,
    responses: { 200: 'The run record.', 404: noRun },
  },
  {
    method: 'GET',
    path: '/api/runs/:id/ipynb',
    tag,
    auth: 'user',
    scope: 'notebooks:read',
    summary: 'Download the executed notebook',
    params: RunIdParamsSchema,
    responses: {
      200: { description: 'The executed .ipynb as an attachment.', contentType: 'application/x-ipynb+json' },
      404: `${noRun} Also until the run has ended.`,
    },
  },
  {
    method: 'POST',
    path: '/api/runs/:id/cancel',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Cancel a run (its starter or an admin)',
    params: RunIdParamsSchema,
    responses: {
      200: 'A queued run, cancelled at once: `{id, status}`.',
      202: 'A running run, asked to stop: `{id, status, cancelRequestedAt}`.',
      403: 'Not the starter nor an admin.',
      404: noRun,
      409: 'The run has ended.',
    },
  },
  {
    method: 'GET',
    path: '/api/runs/:id/events',
    tag,
    auth: 'user',
    scope: 'notebooks:read',
    summary: "A run's progress as Server-Sent Events",
    description:
      'Events: `run` {id, status, done, total} at once, `progress` {done, total, cellId, status} as cells start and end, `end` {id, status}; then the stream closes.',
    params: RunIdParamsSchema,
    responses: {
      200: { description: 'The event stream.', contentType: 'text/event-stream' },
      404: noRun,
      503: 'Redis is unavailable; Retry-After.',
    },
  },
];
