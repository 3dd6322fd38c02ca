import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.store).toEqual({ kind: 'sqlite', file: path.join(path.resolve('./data'), 'folio.db') });
    expect(c.role).toBe('all');
    expect(c.kernels.poolSize).toBe(2);
    expect(c.kernels.maxOutputBytes).toBe(20 * 1024 * 1024);
    expect(c.kernels.maxRunOutputBytes).toBe(100 * 1024 * 1024);
    expect(c.limits.maxUploadBytes).toBe(50 * 1024 * 1024);
    expect(c.admin).toEqual({ email: 'admin@folio.local', password: undefined });
    expect(c.http.trustProxy).toBe(false);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', REDIS_URL: '' }).port).toBe(8080);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', FOLIO_ROLE: 'boss', REDIS_URL: 'not a url', FOLIO_ADMIN_PASSWORD: 'short', TRUST_PROXY: 'yes please' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'FOLIO_ROLE', 'REDIS_URL', 'FOLIO_ADMIN_PASSWORD', 'TRUST_PROXY']) expect(problems).toContain(name);
  });

  it('parses TRUST_PROXY as express expects it', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).http.trustProxy).toBe('10.0.0.0/8, 127.0.0.1');
  });

  it('refuses FOLIO_ROLE=web or worker without REDIS_URL, saying what to set and why', () => {
    for (const role of ['web', 'worker']) {
      expect(() => loadConfig({ FOLIO_ROLE: role })).toThrow(ConfigError);
      expect(() => loadConfig({ FOLIO_ROLE: role })).toThrow(
        new RegExp(`REDIS_URL: required with FOLIO_ROLE=${role}\\. Web and worker processes meet only through Redis.*Set REDIS_URL to one Redis shared by every web and worker process`),
      );
      expect(loadConfig({ FOLIO_ROLE: role, REDIS_URL: 'redis://redis:6379' }).role).toBe(role);
    }
    expect(loadConfig({ FOLIO_ROLE: 'all' }).redis.url).toBeUndefined(); // embedded Redis
  });

  it('takes a metrics token of 24+ characters, and a worker metrics port only with it', () => {
    const token = 'm'.repeat(24);
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined });
    expect(loadConfig({ FOLIO_METRICS_TOKEN: token, FOLIO_METRICS_PORT: '9464' }).metrics).toEqual({ token, port: 9464 });
    expect(() => loadConfig({ FOLIO_METRICS_TOKEN: 'short' })).toThrow(/FOLIO_METRICS_TOKEN: must be at least 24/);
    expect(() => loadConfig({ FOLIO_METRICS_PORT: '9464' })).toThrow(/FOLIO_METRICS_PORT: needs FOLIO_METRICS_TOKEN/);
  });

  it('uses MongoDB when MONGODB_URL is set', () => {
    expect(loadConfig({ MONGODB_URL: 'mongodb://db:27017/folio' }).store).toEqual({ kind: 'mongo', url: 'mongodb://db:27017/folio' });
  });
});
