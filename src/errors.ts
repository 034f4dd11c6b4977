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

/**
 * Text from a file, made fit for a one-line message: control characters, the replacement
 * character of undecodable bytes and lone surrogates escaped as \uXXXX, and cut to `max`
 * characters, so binary garbage never reaches the terminal raw.
 */
export function printable(text: string, max = 80): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
