import express, { type RequestHandler } from 'express';

/**
 * JSON body limits, per route. Only the routes that carry a whole notebook (with its outputs) take large bodies;
 * everything else is small, so a signed-in client cannot make the server buffer and parse 50 MB on any route.
 * Bodies are parsed after the session check (app.ts), so anonymous clients only ever reach the public routes' tiny
 * limit.
 */
export interface JsonBodyLimits {
  /** Notebook create and save (LARGE_JSON_ROUTES): FOLIO_MAX_UPLOAD_MB. */
  large: number;
  /** Every other signed-in route. Default SMALL_JSON_LIMIT. */
  small?: number;
  /** Requests without a principal (the public routes: sign-in). Default ANONYMOUS_JSON_LIMIT. */
  anonymous?: number;
}

/** Every other signed-in JSON body: parameters, names, access lists, tokens. 256 KB. */
export const SMALL_JSON_LIMIT = 256 * 1024;
/** Requests without a session (the sign-in form). 16 KB. */
export const ANONYMOUS_JSON_LIMIT = 16 * 1024;

/**
 * Routes (method, path under /api) whose JSON body is a notebook — POST /notebooks, PUT /notebooks/:id — or a run's
 * parameters (POST /notebooks/:id/runs), whose values can carry data (a list of positions, a config of a few MB).
 */
export const LARGE_JSON_ROUTES: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'POST', path: /^\/notebooks\/?$/ },
  { method: 'PUT', path: /^\/notebooks\/[^/]+\/?$/ },
  { method: 'POST', path: /^\/notebooks\/[^/]+\/runs\/?$/ },
];

/**
 * Routes that read their body raw with their own cap: an uploaded .ipynb is validated as a notebook (422, not a JSON
 * body's 400) up to FOLIO_MAX_UPLOAD_MB, and a notebook file is stored byte for byte up to FOLIO_MAX_FILE_MB.
 */
export const isRawBodyPath = (p: string) => p === '/notebooks/import' || /^\/notebooks\/[^/]+\/files\/./.test(p);

/** Mount on /api after the session check: `express.json` with the limit of the route (see JsonBodyLimits). */
export function jsonBody(limits: JsonBodyLimits): RequestHandler {
  const parsers = {
    large: express.json({ limit: limits.large }),
    small: express.json({ limit: limits.small ?? SMALL_JSON_LIMIT }),
    anonymous: express.json({ limit: limits.anonymous ?? ANONYMOUS_JSON_LIMIT }),
  };
  return (req, res, next) => {
    if (isRawBodyPath(req.path)) return next();
    if (!req.principal) return parsers.anonymous(req, res, next);
    const large = LARGE_JSON_ROUTES.some((r) => r.method === req.method && r.path.test(req.path));
    return parsers[large ? 'large' : 'small'](req, res, next);
  };
}
