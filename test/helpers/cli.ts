import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process with captured streams (not a TTY). */
export async function runCli(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  const code = await main(['node', 'is-bench', ...args], {
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
  });
  return { code, out, err };
}

export function tempDir(prefix = 'is-bench-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a config file into a fresh temp folder and returns its path. */
export function writeConfig(doc: unknown, name = 'exp.yaml'): string {
  const file = path.join(tempDir(), name);
  fs.writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return file;
}

/** A small valid experiment on synthetic data: a few hundred samples, seconds to run. */
export function smallExperiment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    dataset: { name: 'synthetic', train: 300, test: 100, features: 8, classes: 3, separation: 1.5 },
    model: 'tiny-mlp',
    optimizer: { name: 'adam' },
    loss: 'categorical_crossentropy',
    epochs: 2,
    batchSize: 16,
    seed: 1,
    arms: [
      { name: 'uniform', strategy: 'uniform' },
      { name: 'importance', strategy: 'upper-bound', presample: 3 },
    ],
    ...overrides,
  };
}
