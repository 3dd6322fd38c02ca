/**
 * The contracts the frontend shares with the backend, imported from their one definition (no copies to keep in
 * sync): nbformat types, the live kernel WebSocket protocol, the audit trail's shapes and API tokens' scopes. backend/src/contracts depends on zod and types only.
 */
export * from '../../../backend/src/contracts/nbformat';
export * from '../../../backend/src/contracts/kernel-protocol';
export * from '../../../backend/src/contracts/audit';
export * from '../../../backend/src/contracts/tokens';
export type { Role, TokenScope } from '../../../backend/src/contracts/principal';
