/**
 * The layering of src/ (see .dependency-cruiser.cjs): no import cycles, and each layer imports
 * only the layers below it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

function cruise(cwd: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [BIN, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: r.stdout + r.stderr };
}

test('src/ has no import cycle and no import against its layers', () => {
  const r = cruise(ROOT);
  expect(r.output).not.toMatch(/error /); // shows the violations when there are any
  expect(r.status).toBe(0);
});

test('the rules catch a report module that imports the training loop, a cycle, and a dataset module used as a helper', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'is-bench-layers-'));
  fs.copyFileSync(path.join(ROOT, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
  fs.writeFileSync(path.join(dir, 'tsconfig.build.json'), JSON.stringify({ compilerOptions: { module: 'commonjs' }, include: ['src/**/*.ts'] }));
  fs.mkdirSync(path.join(dir, 'src', 'report'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'src', 'train'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'report', 'a.ts'), "import { b } from '../train/b';\nexport const a = b;\n");
  fs.writeFileSync(path.join(dir, 'src', 'train', 'b.ts'), "export const b = 1;\n");
  fs.writeFileSync(path.join(dir, 'src', 'train', 'c.ts'), "import { d } from './d';\nexport const c = d;\n");
  fs.writeFileSync(path.join(dir, 'src', 'train', 'd.ts'), "import { c } from './c';\nexport const d = () => c;\n");
  fs.mkdirSync(path.join(dir, 'src', 'data'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'data', 'registry.ts'), 'export const names = [];\n');
  fs.writeFileSync(path.join(dir, 'src', 'data', 'mnist.ts'), "import { names } from './registry';\nexport const m = names;\n");
  fs.writeFileSync(path.join(dir, 'src', 'data', 'idx.ts'), "import { m } from './mnist';\nexport const i = m;\n");
  const r = cruise(dir);
  expect(r.status).not.toBe(0);
  expect(r.output).toMatch(/report-layer: src\/report\/a\.ts → src\/train\/b\.ts/);
  expect(r.output).toMatch(/no-circular: src\/train\/c\.ts/);
  expect(r.output).toMatch(/data-registry-on-top: src\/data\/mnist\.ts → src\/data\/registry\.ts/);
  expect(r.output).toMatch(/no-helpers-in-datasets: src\/data\/idx\.ts → src\/data\/mnist\.ts/);
});
