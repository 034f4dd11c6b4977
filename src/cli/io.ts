/** The streams a command writes to; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };
