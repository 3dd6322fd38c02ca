import { APP_SLUG_MAX, APP_SLUG_MIN } from '../contracts/apps';
import { badRequest } from '../errors';

/**
 * An app's slug is its address (`/apps/<slug>`, `/api/apps/<slug>`) and its name for ever: 3–64 characters, lowercase
 * letters a–z, digits and single hyphens, starting and ending with a letter or digit. A few words are kept for the
 * app pages' own routes. Slugs are never reused: an unpublished app keeps its slug (app.service.ts).
 */
export const SLUG_RULE =
  `${APP_SLUG_MIN}–${APP_SLUG_MAX} characters: lowercase letters a–z, digits and single hyphens, ` +
  'starting and ending with a letter or digit (e.g. "fx-rates-report")';

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Taken by the app pages' own routes. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(['new', 'api', 'admin', 'settings']);

export function checkSlug(slug: string): string {
  if (slug.length < APP_SLUG_MIN || slug.length > APP_SLUG_MAX || !SLUG.test(slug))
    throw badRequest(`slug: ${JSON.stringify(slug.slice(0, 100))} is not a valid slug. A slug is ${SLUG_RULE}.`, {
      field: 'slug',
    });
  if (RESERVED_SLUGS.has(slug))
    throw badRequest(`slug: "${slug}" is reserved; choose another.`, { field: 'slug' });
  return slug;
}

/** A slug made from a title or file name ("FX rates report" → "fx-rates-report"), for seeding and suggestions. */
export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, APP_SLUG_MAX)
    .replace(/-+$/, '');
  return s.length >= APP_SLUG_MIN ? s : `${s || 'app'}-app`.slice(0, APP_SLUG_MAX);
}
