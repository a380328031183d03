import { randomBytes } from 'node:crypto';

// The newsroom signs a browser in by a link it prints in its own terminal. The link carries a one-time code, not a
// token: a link that leaks later (browser history, a screenshot, a shared terminal log) no longer signs anyone in,
// and the token itself is handed over only once, in a page that is never cached.

/**
 * One-time sign-in codes for roles: `issue` makes a code, `redeem` exchanges it for the role once (a second
 * redeem of the same code, or an unknown or expired code, gives undefined).
 */
export class SignInCodes<R extends string> {
  private readonly codes = new Map<string, { role: R; expires: number }>();
  private readonly lifetimeMs: number;

  constructor(lifetimeMs = 24 * 60 * 60 * 1000) {
    this.lifetimeMs = lifetimeMs;
  }

  /** A new code for `role`, valid once. */
  issue(role: R): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, { role, expires: Date.now() + this.lifetimeMs });
    return code;
  }

  /** The role of `code`, which is used up; undefined when it was never issued, was used, or has expired. */
  redeem(code: string): R | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    return entry === undefined || entry.expires < Date.now() ? undefined : entry.role;
  }
}
