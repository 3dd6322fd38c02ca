import express, { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { mountedRoutes, routeKey } from './routes';

describe('mountedRoutes', () => {
  it('lists routes of the app and of routers mounted at paths, nested, with their methods joined to the mount path', () => {
    const app = express();
    app.use((_req, _res, next) => next()); // middleware: not a route
    app.get('/healthz', (_req, res) => void res.end());
    const inner = Router();
    inner.get('/:id/files/*path', (_req, res) => void res.end());
    inner
      .route('/:id')
      .put((_req, res) => void res.end())
      .delete((_req, res) => void res.end());
    const api = Router();
    api.use('/notebooks', inner);
    api.all('/anything', (_req, res) => void res.end());
    api.post('/', (_req, res) => void res.end());
    app.use('/api', api);
    app.use(
      '/',
      Router().get('/root', (_req, res) => void res.end()),
    );
    app.use(express.static('/nonexistent'));

    expect(mountedRoutes(app).map(routeKey)).toEqual([
      'GET /healthz',
      'GET /api/notebooks/:id/files/*path',
      'PUT /api/notebooks/:id',
      'DELETE /api/notebooks/:id',
      'ALL /api/anything',
      'POST /api',
      'GET /root',
    ]);
  });

  it('lists a route once per path of a path array', () => {
    const app = express();
    app.get(['/a', '/b'], (_req, res) => void res.end());
    expect(mountedRoutes(app).map(routeKey)).toEqual(['GET /a', 'GET /b']);
  });
});
