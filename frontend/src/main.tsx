import './lib/zod-config'; // before any schema is used
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { prefetchEditor } from './features/editor/prefetch';
import './styles.css';

// A notebook opened by its URL: its route chunk, Monaco and the notebook load in parallel from the first moment.
const opening = /^\/notebooks\/([^/]+)\/?$/.exec(location.pathname);
if (opening) {
  void import('./app/routes/notebook-page');
  prefetchEditor(decodeURIComponent(opening[1]!));
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
