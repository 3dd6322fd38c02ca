import { z } from 'zod';

/**
 * Published apps (issue 10): the shapes the API takes and gives, shared by the backend (routes, service, store) and the
 * frontend (frontend/src/lib/contracts.ts). Zod and types only. The rules (slugs, specs, access, redaction) are
 * apps/'s; this file says only what goes over the wire.
 *
 * Two views of an app exist and never mix: `AppView` is what anyone who may open it gets (no notebook id, no files,
 * no hidden cell, no code of an output-only cell — apps/redaction.ts builds its cells); `AppManagerView` adds what its
 * owner and admins manage (notebook, version details, access list).
 */

/** The form widgets a parameter can be shown with. */
export const APP_WIDGETS = [
  'number',
  'slider',
  'text',
  'select',
  'multiselect',
  'date',
  'datetime',
  'checkbox',
] as const;
export type AppWidget = (typeof APP_WIDGETS)[number];

/**
 * A parameter's type, as inferred from the notebook's `parameters` cell (kernels/parameters/param-types.ts's
 * PARAM_TYPES is this list) or refined when publishing (`options` make `choice`/`multichoice`).
 */
export const APP_PARAM_TYPES = [
  'int',
  'float',
  'str',
  'bool',
  'date',
  'datetime',
  'list',
  'dict',
  'any',
  'choice',
  'multichoice',
] as const;
export type AppParamType = (typeof APP_PARAM_TYPES)[number];

export type AppJson = null | boolean | number | string | AppJson[] | { [key: string]: AppJson };

/** Which cells an app shows, in notebook order: `output` (code hidden) or `code+output`. Markdown shows its text. */
export const CELL_SHOW = ['output', 'code+output'] as const;
export type CellShow = (typeof CELL_SHOW)[number];
export const VisibleCellSchema = z.object({
  id: z.string().min(1, 'must not be empty').max(200),
  show: z.enum(CELL_SHOW, { message: "must be 'output' or 'code+output'" }),
});
export type VisibleCell = z.infer<typeof VisibleCellSchema>;

const bound = z.union([z.number(), z.string().max(40)]);
/**
 * The author's refinement of one parameter of the `parameters` cell, when publishing. Everything but `name` is
 * optional: what is left out comes from the cell (its type, default, `# help` comment). `options` turn a scalar into a
 * `choice` (a list into a `multichoice`); `min`/`max` are numbers for int/float and ISO strings for date/datetime.
 */
export const ParamRefinementSchema = z.object({
  name: z.string().min(1, 'must not be empty').max(100),
  label: z.string().trim().min(1, 'must not be empty').max(200).optional(),
  help: z.string().max(2000).optional(),
  widget: z.enum(APP_WIDGETS, { message: `must be one of ${APP_WIDGETS.join(', ')}` }).optional(),
  min: bound.optional(),
  max: bound.optional(),
  step: z.number().optional(),
  options: z.array(z.unknown()).max(1000).optional(),
  required: z.boolean().optional(),
  /** A JSON value of the parameter's type; `null` only for parameters that accept None. */
  default: z.unknown().optional(),
});
export type ParamRefinement = z.infer<typeof ParamRefinementSchema>;

/** Who may open an app (its owner and admins always may; they alone manage it). */
export const APP_ACCESS_MODES = ['private', 'users', 'signed_in'] as const;
export type AppAccessMode = (typeof APP_ACCESS_MODES)[number];
export const AppAccessSchema = z.object({
  mode: z.enum(APP_ACCESS_MODES, { message: `must be one of ${APP_ACCESS_MODES.join(', ')}` }),
  /** With `users` only: the user ids who may open it (viewers or authors; enabled accounts). */
  users: z.array(z.string().min(1).max(100)).max(10_000).optional(),
});
export type AppAccess = { mode: AppAccessMode; users: string[] };

/** The longest a result may be considered fresh: one year. */
export const MAX_CACHE_AGE_SECONDS = 365 * 24 * 3600;
/**
 * How long a result stays fresh: `null` no age limit (until the next scheduled refresh once schedules exist, until a
 * new version until then), `0` never cached (every open runs), N > 0 fresh for N seconds. Default `null`.
 */
export const AppCacheSchema = z.object({
  maxAgeSeconds: z
    .number()
    .int('must be a whole number of seconds')
    .min(0, 'must be 0 (never cache) or more')
    .max(MAX_CACHE_AGE_SECONDS, `must be at most ${MAX_CACHE_AGE_SECONDS} (a year)`)
    .nullable(),
});
export type AppCache = z.infer<typeof AppCacheSchema>;

export const APP_TITLE_MAX = 200;
export const APP_DESCRIPTION_MAX = 5000;
const title = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(APP_TITLE_MAX, `must be at most ${APP_TITLE_MAX} characters`);
const description = z.string().max(APP_DESCRIPTION_MAX, `must be at most ${APP_DESCRIPTION_MAX} characters`);

/** Slugs: see apps/app-slug.ts for the rule (checked there, so its 400 names `slug` whoever publishes). */
export const APP_SLUG_MAX = 64;
export const APP_SLUG_MIN = 3;

/** POST /api/apps: publish a notebook as a new app (version 1). */
export const PublishAppSchema = z.object({
  notebookId: z.string().min(1, 'must not be empty').max(100),
  slug: z.string().max(200),
  title,
  description: description.optional(),
  cells: z.array(VisibleCellSchema).max(10_000),
  params: z.array(ParamRefinementSchema).max(500).optional(),
  access: AppAccessSchema.optional(),
  cache: AppCacheSchema.optional(),
});
export type PublishApp = z.infer<typeof PublishAppSchema>;

/**
 * POST /api/apps/:slug/versions: the notebook's current saved state as the next version. Every field is optional;
 * what is left out is carried over from the current version (cells, params) and the app (title, description, access,
 * cache).
 */
export const PublishVersionSchema = z
  .object({
    title: title.optional(),
    description: description.optional(),
    cells: z.array(VisibleCellSchema).max(10_000).optional(),
    params: z.array(ParamRefinementSchema).max(500).optional(),
    access: AppAccessSchema.optional(),
    cache: AppCacheSchema.optional(),
  })
  .optional();
export type PublishVersion = NonNullable<z.infer<typeof PublishVersionSchema>>;

/** PATCH /api/apps/:slug: settings that need no new version. */
export const UpdateAppSchema = z
  .object({
    title: title.optional(),
    description: description.optional(),
    access: AppAccessSchema.optional(),
    cache: AppCacheSchema.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'give a title, description, access or cache',
    path: ['title'],
  });
export type UpdateApp = z.infer<typeof UpdateAppSchema>;

/** POST /api/apps/:slug/rollback. */
export const RollbackAppSchema = z.object({
  version: z.number().int('must be a whole number').min(1, 'must be 1 or more'),
});
export type RollbackApp = z.infer<typeof RollbackAppSchema>;

/**
 * One parameter as stored in an app version: the spec inferred from the `parameters` cell (kernels/parameters'
 * ParamSpec) with the author's refinements and the widget the form uses.
 */
export interface AppParamSpec {
  name: string;
  type: AppParamType;
  /** Canonical JSON of the default; absent when the cell's default is not a literal and none was given. */
  default?: AppJson;
  /** The default as written in the parameters cell (never shown to viewers). */
  defaultSource: string;
  /** The annotation as written, if any (never shown to viewers). */
  annotation?: string;
  label: string;
  help?: string;
  nullable: boolean;
  required: boolean;
  min?: number | string;
  max?: number | string;
  step?: number;
  options?: AppJson[];
  widget: AppWidget;
}

/** A parameter as the app's form shows it to anyone who may open the app: no source text of the notebook. */
export type AppParamView = Omit<AppParamSpec, 'defaultSource' | 'annotation'>;

/**
 * A visible cell as anyone who may open the app gets it (apps/redaction.ts): markdown with its text, code with its
 * code only when `code+output`, outputs when a result carries them. Never a hidden cell, never the injected
 * parameters.
 */
export interface AppCellView {
  id: string;
  cellType: 'code' | 'markdown';
  show: CellShow;
  /** Markdown text; code only for `code+output`. */
  source?: string;
  /** Markdown cells' attachments (images referenced as `attachment:`). */
  attachments?: Record<string, Record<string, unknown>>;
  /** nbformat outputs of a code cell, in results (apps/redaction.ts); absent in the app's layout. */
  outputs?: unknown[];
}

/** One file of a version's snapshot (owner view; the bytes stay on the server). */
export interface AppFileView {
  path: string;
  size: number;
  sha256: string;
}

/** One app of GET /api/apps as anyone who may open it gets it (the gallery). */
export interface AppSummaryView {
  slug: string;
  title: string;
  description: string;
  ownerName: string;
  /** The current version. */
  version: number;
  updatedAt: string;
  /** Whether the caller manages it (owner or admin): then this is an AppManagerSummaryView. */
  canManage: boolean;
}

/** One app of GET /api/apps as its owner and admins see it. */
export interface AppManagerSummaryView extends AppSummaryView {
  canManage: true;
  ownerId: string;
  notebookId: string;
  access: AppAccess;
  unpublishedAt: string | null;
}

/** What anyone who may open the app gets from GET /api/apps/:slug. */
export interface AppView {
  slug: string;
  title: string;
  description: string;
  ownerName: string;
  /** The current version. */
  version: number;
  /** When the current version was published. */
  publishedAt: string;
  updatedAt: string;
  cache: AppCache;
  params: AppParamView[];
  /** The visible cells in notebook order (layout: no outputs; results come with runs). */
  cells: AppCellView[];
  /** Whether the caller manages it (owner or admin): then this is an AppManagerView. */
  canManage: boolean;
}

/** One version as its owner and admins see it (GET /api/apps/:slug/versions). */
export interface AppVersionView {
  version: number;
  current: boolean;
  notebookId: string;
  notebookVersion: number;
  /** sha256 (hex) of the notebook snapshot's canonical JSON. */
  contentHash: string;
  cells: VisibleCell[];
  params: AppParamSpec[];
  cache: AppCache;
  files: AppFileView[];
  publishedBy: string;
  publishedByName: string;
  publishedAt: string;
}

/** The owner's and admins' view: the app view plus what they manage. */
export interface AppManagerView extends AppView {
  canManage: true;
  id: string;
  ownerId: string;
  notebookId: string;
  access: AppAccess;
  createdAt: string;
  /** Set while the app is unpublished (its history is kept; a new version publishes it again). */
  unpublishedAt: string | null;
  current: AppVersionView;
}
