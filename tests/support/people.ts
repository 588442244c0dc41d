import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/passwords.ts';
import { csrfHeader, defaultAuthSettings, sessionCookie } from '../../src/auth/settings.ts';
import type { Database } from '../../src/db/client.ts';
import { createSession } from '../../src/db/repositories/sessions.ts';
import { createUser, putMember, type User } from '../../src/db/repositories/users.ts';
import type { Role } from '../../src/db/schema/index.ts';

/** A signed-in browser as a test sends it: the session cookie, and the CSRF header its mutations need. */
export interface TestSession {
  sessionId: string;
  /** Headers for a read: the cookie alone. */
  read: Record<string, string>;
  /** Headers for a mutation: the cookie and the CSRF token. */
  write: Record<string, string>;
}

export interface TestUser {
  user: User;
  email: string;
  password: string;
  session: TestSession;
}

/**
 * A user of the test's own with a password, optionally a member of a workspace, and a live session opened
 * directly in the database (tests of sign-in itself go through POST /auth/login).
 */
export async function createTestUser(
  db: Database,
  options: { workspaceId?: string; role?: Role; environmentRoles?: Record<string, Role>; platformAdmin?: boolean; prefix?: string } = {},
): Promise<TestUser> {
  const email = `${options.prefix ?? 'user'}-${randomUUID().slice(0, 8)}@example.test`;
  const password = `pw-${randomUUID()}`;
  const user = await createUser(db, { email, displayName: email.split('@')[0]!, passwordHash: await hashPassword(password), platformAdmin: options.platformAdmin });
  if (!user) throw new Error(`user ${email} exists already`);
  if (options.workspaceId) {
    await putMember(db, { workspaceId: options.workspaceId, userId: user.id, role: options.role ?? 'viewer', environmentRoles: options.environmentRoles });
  }
  return { user, email, password, session: await openTestSession(db, user.id) };
}

/** Another live session of a user, stepped up now. */
export async function openTestSession(db: Database, userId: string): Promise<TestSession> {
  const { session, token, csrfToken } = await createSession(db, { userId, lifetimes: defaultAuthSettings.sessions });
  const cookie = `${sessionCookie}=${token}`;
  return { sessionId: session.id, read: { cookie }, write: { cookie, [csrfHeader]: csrfToken } };
}
