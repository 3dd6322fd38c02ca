import type { Monaco } from './monaco-setup';

let loading: Promise<Monaco> | null = null;
let ready: Monaco | null = null;

/** Loads Monaco once (its own chunk); every cell editor awaits the same promise. */
export function loadMonaco(): Promise<Monaco> {
  loading ??= import('./monaco-setup').then((m) => (ready = m.monaco));
  return loading;
}

/** Monaco when it has already loaded, for a synchronous fast path. */
export const monacoIfReady = (): Monaco | null => ready;
