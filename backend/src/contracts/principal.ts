/** Who is asking: the roles and the signed-in principal every service checks against (types only). */
export type Role = 'admin' | 'author' | 'viewer';

export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
}
