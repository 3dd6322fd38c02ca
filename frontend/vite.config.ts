import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * Monaco 0.55's language modules (`basic-languages/python/python.js`, …) start with side-effect imports of every
 * editor contribution (~70, from code lenses to a diff editor) before using one export of `editor.api2.js`: a lazily
 * loaded grammar pulled the whole editor into the first chunk. Their side-effect imports of the editor resolve to an
 * empty module here; monaco-setup.ts imports the contributions Folio uses.
 */
function monacoLanguagesWithoutEditor(): Plugin {
  const empty = '\0monaco-language-side-effect';
  return {
    name: 'folio:monaco-languages-without-editor',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer?.includes('/monaco-editor/esm/vs/basic-languages/')) return null;
      return /\/editor\/(browser|contrib|standalone)\/|\/standaloneStrings\.js$|\.css$/.test(source) ? empty : null;
    },
    load: (id) => (id === empty ? 'export {};' : null),
  };
}

/** Frontend build: `frontend/dist`, served by the backend. `npm run dev -w frontend` proxies /api (and its WebSockets) to 8080. */
export default defineConfig({
  plugins: [react(), monacoLanguagesWithoutEditor()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco and plotly are big but lazy (their own chunks); warn only beyond that.
    chunkSizeWarningLimit: 5000,
  },
  worker: { format: 'es' },
  server: {
    proxy: {
      '/api': { target: 'http://localhost:8080', ws: true },
      '/healthz': 'http://localhost:8080',
      '/readyz': 'http://localhost:8080',
    },
  },
});
