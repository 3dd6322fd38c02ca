/** Cell ids like JupyterLab's: valid per nbformat 4.5 (1-64 chars of [a-zA-Z0-9-_]). */
export function newCellId(): string {
  return crypto.randomUUID();
}

export function newRequestId(): string {
  return crypto.randomUUID().slice(0, 13);
}
