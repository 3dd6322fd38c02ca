import type { ApiOperation } from '../operation';

const tag = 'Operations';

export const OPS_OPERATIONS: ApiOperation[] = [
  { method: 'GET', path: '/healthz', tag, auth: 'public', summary: 'Liveness', responses: { 200: '`{status: "ok"}`' } },
  {
    method: 'GET',
    path: '/readyz',
    tag,
    auth: 'public',
    summary: 'Readiness: store, Redis, Jupyter each up/down',
    responses: { 200: 'Everything is up.', 503: 'A dependency is down (or restarting).' },
  },
  {
    method: 'GET',
    path: '/metrics',
    tag,
    auth: 'metrics',
    summary: 'Prometheus metrics',
    description: 'Bearer FOLIO_METRICS_TOKEN, or an admin (an API token with scope admin, or a session).',
    responses: {
      200: { description: 'The Prometheus text format.', contentType: 'text/plain; version=0.0.4' },
      403: 'Not an admin.',
    },
  },
  {
    method: 'GET',
    path: '/api/openapi.json',
    tag,
    auth: 'user',
    summary: 'This document',
    responses: { 200: 'The OpenAPI 3.1 document of the API.' },
  },
];
