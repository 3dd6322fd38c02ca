/**
 * The contracts the frontend shares with the backend, imported from their one definition (no copies to keep in
 * sync): nbformat types, the live kernel WebSocket protocol, the audit trail's shapes, API tokens' scopes and published
 * apps' request and view shapes. backend/src/contracts depends on zod and types only.
 */
export * from '../../../backend/src/contracts/nbformat';
export * from '../../../backend/src/contracts/kernel-protocol';
export * from '../../../backend/src/contracts/audit';
export * from '../../../backend/src/contracts/tokens';
export * from '../../../backend/src/contracts/apps';
export type { Role, TokenScope } from '../../../backend/src/contracts/principal';
