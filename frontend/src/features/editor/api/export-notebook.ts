import { apiBlob } from '../../../lib/api-client';
import { saveBlob } from '../../../lib/download';

/** Downloads the saved notebook as .ipynb (`GET /api/notebooks/:id/ipynb`). */
export async function exportNotebook(id: string, name: string): Promise<void> {
  const blob = await apiBlob(`/api/notebooks/${encodeURIComponent(id)}/ipynb`);
  saveBlob(blob, `${name.replace(/[\\/:*?"<>|]+/g, '_') || 'notebook'}.ipynb`);
}
