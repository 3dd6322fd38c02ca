/**
 * The contracts the frontend shares with the backend, imported from their one definition (no copies to keep in
 * sync): nbformat types and the live kernel WebSocket protocol. Both files depend on zod and types only.
 */
export * from '../../../backend/src/notebooks/nbformat';
export * from '../../../backend/src/contracts/kernel-protocol';
