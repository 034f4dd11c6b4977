import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as lib from '../src';

const ROOT = path.join(__dirname, '..');
const LIBRARY = ['importanceTraining', 'compare', 'UserError', 'runCampaign', 'readRunSummary'];

test('the source entry exports the library API', () => {
  for (const name of LIBRARY) expect(typeof (lib as Record<string, unknown>)[name]).toBe('function');
  expect(new lib.UserError('x')).toBeInstanceOf(Error);
});

test('the package, required by its name, exports the library API with its types (from dist, as npm test builds it)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
  // a package may require itself by name once it declares "exports": this is what a user's require('is-bench') loads
  const script = `const lib = require('is-bench'); console.log(JSON.stringify(${JSON.stringify(LIBRARY)}.map((n) => typeof lib[n])))`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(LIBRARY.map(() => 'function'));
  const types = fs.readFileSync(path.join(ROOT, pkg.types), 'utf8');
  for (const name of ['importanceTraining', 'compare', 'FitHistory', 'CompareOptions', 'TrainingCallbacks', 'UserError']) expect(types).toContain(name);
});

test('npm pack ships the built entry and its declarations', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/campaign/importance-training.js', 'dist/campaign/compare.d.ts', 'bin/is-bench']));
});
