/**
 * The one error type a user can cause (bad config, missing dataset, unknown name, bad option).
 * The CLI prints its message without a stack trace and exits with `exitCode` (2 unless said).
 * Anything else thrown is a bug: exit code 1 with the stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  bug: 1,
  userError: 2,
  expectationFailed: 3,
  diverged: 4,
  sigint: 130,
  sigterm: 143,
} as const;
