import type { PublishApp } from '../contracts/apps';
import type { Principal } from '../contracts/principal';
import type { Logger } from '../logger';
import { seededExamples } from '../notebooks/seed-examples';
import type { Store } from '../store/store';
import type { AppService } from './app.service';

/** Meta marker: set once the example apps were published, so unpublishing one later does not bring it back. */
export const EXAMPLE_APPS_KEY = 'examples.apps.published';

type ExampleApp = Omit<PublishApp, 'notebookId' | 'access'>;

const dateParam = (name: string, label: string, help: string) =>
  ({ name, label, help, widget: 'date', required: true }) as const;

/**
 * How each example notebook (by name, as seed-examples.ts imports it) is published: its visible cells and a refined
 * parameter form. Open to everyone signed in, so a newcomer's gallery is never empty.
 */
export const EXAMPLE_APPS: Readonly<Record<string, ExampleApp>> = {
  'portfolio-var': {
    slug: 'portfolio-var',
    title: 'Portfolio VaR and Expected Shortfall',
    description:
      'Historical and parametric one-day VaR and ES of a multi-asset portfolio, with each position’s share. Synthetic returns.',
    cells: [
      { id: 'portfolio-var-00', show: 'output' },
      { id: 'portfolio-var-02', show: 'output' },
      { id: 'portfolio-var-04', show: 'output' },
      { id: 'portfolio-var-05', show: 'output' },
      { id: 'portfolio-var-06', show: 'output' },
      { id: 'portfolio-var-07', show: 'output' },
    ],
    params: [
      dateParam('as_of', 'Valuation date', 'The date the risk is reported for.'),
      {
        name: 'confidence',
        label: 'Confidence level',
        help: 'VaR and ES confidence, e.g. 0.99 for 99%.',
        widget: 'slider',
        min: 0.9,
        max: 0.999,
        step: 0.001,
      },
      { name: 'horizon_days', label: 'Horizon (business days)', widget: 'number', min: 1, max: 60, step: 1 },
      { name: 'portfolio_value', label: 'Portfolio value (USD)', widget: 'number', min: 1 },
      { name: 'history_days', label: 'History (business days)', widget: 'slider', min: 100, max: 2000, step: 50 },
      { name: 'seed', label: 'Random seed', help: 'Changes the synthetic history.', min: 0 },
    ],
    cache: { maxAgeSeconds: null },
  },
  'fx-rates-report': {
    slug: 'fx-rates-report',
    title: 'FX rates report',
    description: 'Spot levels, moves, volatility, drawdowns and correlations of a currency basket. Synthetic rates.',
    cells: [
      { id: 'fx-rates-report-00', show: 'output' },
      { id: 'fx-rates-report-04', show: 'output' },
      { id: 'fx-rates-report-05', show: 'output' },
      { id: 'fx-rates-report-06', show: 'output' },
      { id: 'fx-rates-report-07', show: 'output' },
    ],
    params: [
      dateParam('as_of', 'Valuation date', 'The last day of the report.'),
      {
        name: 'base_currency',
        label: 'Base currency',
        widget: 'select',
        options: ['USD', 'EUR', 'GBP', 'CHF', 'JPY'],
      },
      {
        name: 'currencies',
        label: 'Currencies',
        widget: 'multiselect',
        options: ['EUR', 'GBP', 'JPY', 'CHF', 'AUD', 'CAD', 'NZD', 'SEK', 'NOK'],
      },
      { name: 'lookback_days', label: 'History (business days)', widget: 'slider', min: 60, max: 1000, step: 10 },
      { name: 'seed', label: 'Random seed', min: 0 },
    ],
    cache: { maxAgeSeconds: null },
  },
  'yield-curve-fit': {
    slug: 'yield-curve-fit',
    title: 'Nelson–Siegel yield curve fit',
    description: 'Fits the Nelson–Siegel model to synthetic par yields; interactive curve chart and fit residuals.',
    cells: [
      { id: 'yield-curve-fit-00', show: 'output' },
      { id: 'yield-curve-fit-03', show: 'output' },
      { id: 'yield-curve-fit-04', show: 'output' },
      { id: 'yield-curve-fit-05', show: 'output' },
    ],
    params: [
      dateParam('as_of', 'Curve date', 'The date shown in titles.'),
      { name: 'curve_name', label: 'Curve name', widget: 'text' },
      { name: 'tenors', label: 'Tenors (years)', help: 'A JSON list, e.g. [0.5, 1, 2, 5, 10, 30].' },
      { name: 'noise_bp', label: 'Noise (bp)', widget: 'slider', min: 0, max: 25, step: 0.5 },
      { name: 'seed', label: 'Random seed', min: 0 },
    ],
    cache: { maxAgeSeconds: null },
  },
};

export interface SeedAppsResult {
  alreadySeeded: boolean;
  published: string[];
}

/**
 * On the first start with apps (after seed-examples.ts), publishes each seeded example notebook that has an entry in
 * EXAMPLE_APPS as an app of the notebook's owner, open to everyone signed in. Once: a meta marker records it. An
 * example that cannot be published (its notebook deleted, its slug taken, an entry that no longer fits the notebook)
 * is logged and skipped; the marker is set anyway, so a start never retries (nor republishes what was unpublished).
 */
export async function seedExampleApps(opts: {
  store: Store;
  apps: AppService;
  logger: Logger;
  examples?: Readonly<Record<string, ExampleApp>>;
}): Promise<SeedAppsResult> {
  const { store } = opts;
  const log = opts.logger.child({ component: 'seed-example-apps' });
  if (await store.meta.get(EXAMPLE_APPS_KEY)) return { alreadySeeded: true, published: [] };
  const { ids } = await seededExamples(store.meta);
  const definitions = opts.examples ?? EXAMPLE_APPS;
  const published: string[] = [];
  for (const id of ids) {
    const nb = await store.notebooks.get(id);
    const def = nb && definitions[nb.name];
    if (!nb || !def) continue;
    const owner = await store.users.getById(nb.ownerId);
    if (!owner) continue;
    const as: Principal = { id: owner.id, email: owner.email, name: owner.name, role: owner.role };
    try {
      await opts.apps.publish(as, { ...def, notebookId: nb.id, access: { mode: 'signed_in' } });
      published.push(def.slug);
    } catch (e) {
      log.error({ err: e, notebook: nb.name }, `example app ${def.slug} not published: ${(e as Error).message}`);
    }
  }
  await store.meta.set(EXAMPLE_APPS_KEY, JSON.stringify({ at: new Date().toISOString(), published }));
  if (published.length) log.info({ published }, `published ${published.length} example apps`);
  return { alreadySeeded: false, published };
}
