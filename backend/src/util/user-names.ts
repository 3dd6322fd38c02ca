/**
 * Display names for user ids (revision authors, file writers), looked up once per distinct id. An unknown id (a
 * deleted user) keeps the id as its name.
 */
export async function userNames(
  users: { getById(id: string): Promise<{ name: string; email: string } | null> } | undefined,
  ids: Iterable<string>,
): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map(async (id) => [id, (await users?.getById(id)) ?? null] as const));
  return new Map(found.map(([id, u]) => [id, u ? u.name || u.email : id]));
}
