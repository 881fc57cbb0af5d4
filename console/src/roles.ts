/** The audiences of api/access.ts `ROLES_FOR`: what a signed-in role may see (the session's `can`). */
export type Audience = 'staff' | 'manager' | 'admin' | 'marketing';
