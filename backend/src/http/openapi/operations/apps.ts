import {
  AppSlugParamsSchema,
  ListAppsQuerySchema,
  PublishAppSchema,
  PublishVersionSchema,
  RollbackAppSchema,
  UpdateAppSchema,
} from '../../apps/apps.schema';
import type { ApiOperation } from '../operation';

const tag = 'Apps';
const notFound = 'No such app, or not one you may open (existence does not leak).';
const notManager = 'You may open it but not manage it (owner and admins only).';

export const APP_OPERATIONS: ApiOperation[] = [
  {
    method: 'GET',
    path: '/api/apps',
    tag,
    auth: 'user',
    scope: 'apps:read',
    summary: 'List the apps you may open',
    description:
      'Viewers and other authors get each app’s redacted summary; its owner and admins also its notebook id and access.',
    query: ListAppsQuerySchema,
    responses: { 200: '`{apps: AppSummaryView[]}`' },
  },
  {
    method: 'POST',
    path: '/api/apps',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Publish a notebook as an app (version 1)',
    description:
      'Needs edit access to the notebook. Snapshots its saved content and files. 400 names the bad field: `slug`, ' +
      '`cells[i].id`, `params[i].name|default|min|max|step|options|widget`, `access.users[i]`.',
    body: { schema: PublishAppSchema },
    responses: {
      201: 'AppManagerView: `{slug, version: 1, ...}`.',
      403: 'Viewers; read-only sharers of the notebook.',
      404: 'No such notebook, or not yours to see.',
    },
  },
  {
    method: 'GET',
    path: '/api/apps/:slug',
    tag,
    auth: 'user',
    scope: 'apps:read',
    summary: 'Read an app',
    description: 'Redacted (AppView) for viewers; AppManagerView for its owner and admins.',
    params: AppSlugParamsSchema,
    responses: { 200: 'The app.', 404: notFound },
  },
  {
    method: 'PATCH',
    path: '/api/apps/:slug',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Change an app’s title, description, access or cache policy',
    params: AppSlugParamsSchema,
    body: { schema: UpdateAppSchema },
    responses: { 200: 'AppManagerView.', 403: notManager, 404: notFound },
  },
  {
    method: 'DELETE',
    path: '/api/apps/:slug',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Unpublish an app (history and slug kept; a new version publishes it again)',
    params: AppSlugParamsSchema,
    responses: { 204: 'Unpublished.', 403: notManager, 404: notFound, 409: 'Already unpublished.' },
  },
  {
    method: 'GET',
    path: '/api/apps/:slug/versions',
    tag,
    auth: 'user',
    scope: 'apps:read',
    summary: 'List an app’s versions (who, when, content hash)',
    params: AppSlugParamsSchema,
    responses: { 200: '`{versions: AppVersionView[]}` newest first.', 403: notManager, 404: notFound },
  },
  {
    method: 'POST',
    path: '/api/apps/:slug/versions',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Publish the notebook’s current saved state as the next version',
    description: 'Fields left out are carried over from the current version and the app.',
    params: AppSlugParamsSchema,
    body: { schema: PublishVersionSchema, required: false },
    responses: {
      201: 'AppManagerView of the new current version.',
      403: notManager,
      404: notFound,
      409: 'Another version was published at the same moment, or the notebook was deleted.',
    },
  },
  {
    method: 'POST',
    path: '/api/apps/:slug/rollback',
    tag,
    auth: 'user',
    scope: 'notebooks:write',
    summary: 'Make an existing version current',
    params: AppSlugParamsSchema,
    body: { schema: RollbackAppSchema },
    responses: { 200: 'AppManagerView.', 403: notManager, 404: notFound, 409: 'The app is unpublished.' },
  },
];
