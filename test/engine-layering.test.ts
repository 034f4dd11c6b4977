import * as fs from 'fs';
import * as path from 'path';

/**
 * src/engine is the bottom layer (issue 13): it may import tfjs, node and itself (and src/errors),
 * never the product's upper layers; custom kernel names live in one engine file, not in each user.
 */

const ENGINE = path.join(__dirname, '..', 'src', 'engine');
const FORBIDDEN = ['train', 'models', 'config', 'report', 'data', 'sampling', 'cli', 'bench'];

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
}

const files = fs.readdirSync(ENGINE).filter((f) => f.endsWith('.ts')).map((f) => path.join(ENGINE, f));

test('src/engine imports nothing from the layers above it', () => {
  expect(files.length).toBeGreaterThan(3);
  const bad = files.flatMap((file) =>
    imports(file)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.relative(path.join(__dirname, '..', 'src'), path.resolve(path.dirname(file), spec)))
      .filter((target) => FORBIDDEN.includes(target.split(path.sep)[0]))
      .map((target) => `${path.basename(file)} imports src/${target}`));
  expect(bad).toEqual([]);
});

test('custom kernel names are declared once, in src/engine/kernel-names.ts', () => {
  const src = path.join(__dirname, '..', 'src');
  const all: string[] = [];
  const walk = (dir: string) => fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.ts')) all.push(p);
  });
  walk(src);
  const declaring = all.filter((f) => /['"]IsBench[A-Z]\w*['"]/.test(fs.readFileSync(f, 'utf8')));
  expect(declaring.map((f) => path.relative(src, f))).toEqual([path.join('engine', 'kernel-names.ts')]);
});
