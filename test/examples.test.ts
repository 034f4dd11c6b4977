import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tempDir } from './helpers/cli';

/**
 * The scripts in examples/ run as a user's would: `require('is-bench')` loads the built package
 * (dist/, which `npm test` builds first), and their types are checked against its declarations.
 */
const ROOT = path.join(__dirname, '..');

function runExample(file: string, ...args: string[]) {
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', file, ...args], { cwd: ROOT, encoding: 'utf8' });
}

test('the examples type-check against the package\'s declarations', () => {
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'examples'], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
});

test('examples/fit.ts trains with importanceTraining(model).fit and reports each epoch', () => {
  const r = runExample('examples/fit.ts');
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout.match(/^epoch \d: loss \d+\.\d{4} - val_loss/gm)).toHaveLength(4);
  expect(r.stdout).toMatch(/^final val_accuracy: (0|1)\.\d{4} after 4 epochs \(finished\)$/m);
});

test('examples/compare.ts runs uniform against importance sampling and writes the run folder', () => {
  const out = tempDir();
  const r = runExample('examples/compare.ts', out);
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^uniform +val_loss \d+\.\d{4} - val_accuracy/m);
  expect(r.stdout).toMatch(/^importance +val_loss \d+\.\d{4} - val_accuracy/m);
  const runs = fs.readdirSync(path.join(out, 'library-compare'));
  expect(runs).toHaveLength(1);
  expect(fs.readdirSync(path.join(out, 'library-compare', runs[0]))).toEqual(expect.arrayContaining(['summary.json', 'uniform.csv', 'importance.csv']));
});
