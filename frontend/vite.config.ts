import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Frontend build: `frontend/dist`, served by the backend. `npm run dev -w frontend` proxies /api (and its WebSockets) to 8080. */
export default defineConfig({
  plugins: [react()],
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
