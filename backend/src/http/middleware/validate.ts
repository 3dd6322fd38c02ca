import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { badRequest } from '../../errors';

export type InputPart = 'body' | 'query' | 'params';

/**
 * Parses one part of a request with a zod schema. On failure: 400 whose message names the first bad field
 * (`Invalid body field "email": Invalid email address`) and whose details list every issue with its path.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: [part, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = parsed.error.issues[0];
  const field = first?.path.length ? ` field "${first.path.map(String).join('.')}"` : '';
  throw badRequest(`Invalid ${part}${field}: ${first?.message ?? 'invalid value'}`, { issues });
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Values parsed by the `validate` middleware, by part. Read them with `validated(req, part)`. */
    valid?: Partial<Record<InputPart, unknown>>;
  }
}

/**
 * Middleware form: validates the given parts before the handler. The parsed body replaces `req.body`; every
 * parsed part is also kept on `req.valid` (Express 5's `req.query` is read-only).
 */
export function validate(schemas: Partial<Record<InputPart, z.ZodType>>): RequestHandler {
  return (req, _res, next) => {
    const valid: Partial<Record<InputPart, unknown>> = {};
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (schema) valid[part] = parseInput(schema, req[part], part);
    }
    if ('body' in valid) req.body = valid.body;
    req.valid = valid;
    next();
  };
}

/** The value the `validate` middleware parsed for a part, typed by its schema. */
export function validated<S extends z.ZodType>(
  req: { valid?: Partial<Record<InputPart, unknown>> },
  part: InputPart,
  _schema: S,
): z.infer<S> {
  if (!req.valid || !(part in req.valid)) throw new Error(`validate({ ${part} }) did not run before this handler.`);
  return req.valid[part] as z.infer<S>;
}
