import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import { api } from '../../../lib/api-client';
import { queryKeys } from '../../../lib/query-client';

/** An account as the Users page shows it (backend users/users.service.ts UserSummary). */
export const UserSummarySchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['admin', 'author', 'viewer']),
  disabled: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
  sessions: z.number(),
  lastSeenAt: z.string().nullable(),
  hasPassword: z.boolean(),
  pendingLink: z.object({ purpose: z.string(), expiresAt: z.string() }).nullable(),
});
export type UserSummary = z.infer<typeof UserSummarySchema>;
export type Role = UserSummary['role'];

/** A one-time set-password link, shown once to the admin (the secret is in the URL's fragment). */
export const LinkSchema = z.object({ url: z.string(), purpose: z.string(), expiresAt: z.string() });
export type SetPasswordLink = z.infer<typeof LinkSchema>;

const UserAnswer = z.object({ user: UserSummarySchema });
const CreatedAnswer = z.object({ user: UserSummarySchema, invite: LinkSchema.optional() });

export interface NewUser {
  email: string;
  name?: string;
  role: Role;
  /** Omitted: the answer carries an invitation link instead. */
  password?: string;
  serviceAccount?: boolean;
}

export type UserChange = { name?: string; role?: Role; disabled?: boolean };

const userPath = (id: string) => `/api/users/${encodeURIComponent(id)}`;

export const getUsers = async () =>
  (await api('/api/users', {}, z.object({ users: z.array(UserSummarySchema) }))).users;

export const usersQueryOptions = () => queryOptions({ queryKey: queryKeys.users, queryFn: getUsers, staleTime: 0 });

export const useUsers = (enabled = true) => useQuery({ ...usersQueryOptions(), enabled });

/** Every mutation of an account refreshes the list (sessions, pending links and status change with it). */
function useUserMutation<I, O>(fn: (input: I) => Promise<O>) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => qc.invalidateQueries({ queryKey: queryKeys.users }) });
}

export const useCreateUser = () =>
  useUserMutation((input: NewUser) => api('/api/users', { method: 'POST', json: input }, CreatedAnswer));

export const useUpdateUser = () =>
  useUserMutation(({ id, change }: { id: string; change: UserChange }) =>
    api(userPath(id), { method: 'PATCH', json: change }, UserAnswer),
  );

export const useResetPassword = () =>
  useUserMutation(
    async (id: string) =>
      (await api(`${userPath(id)}/password`, { method: 'POST' }, z.object({ invite: LinkSchema }))).invite,
  );

export const useEndSessions = () =>
  useUserMutation(
    async (id: string) =>
      (await api(`${userPath(id)}/sessions`, { method: 'DELETE' }, z.object({ ended: z.number() }))).ended,
  );
