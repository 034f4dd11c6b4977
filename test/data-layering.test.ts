/**
 * src/data's imports run one way: the registry imports the datasets, the datasets import the
 * contract and shared helpers, never the registry or each other's modules in a loop.
 * Type-only imports count too: they are where the layering shows first.
 */
import * as fs from 'fs';
import * as path from 'path';

const DATA = path.resolve(__dirname, '../src/data');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a module inside src/data, as absolute file paths. */
function localImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s+'(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), m[1]);
    for (const candidate of [`${target}.ts`, path.join(target, 'index.ts')]) {
      if (candidate.startsWith(DATA + path.sep) && fs.existsSync(candidate)) out.push(candidate);
    }
  }
  return out;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

const graph = new Map(sources(DATA).map((f) => [f, localImports(f)]));
const rel = (f: string) => path.relative(DATA, f);

test('the import graph of src/data has no cycle', () => {
  const cycle = findCycle(graph);
  expect(cycle?.map(rel).join(' -> ')).toBeUndefined();
});

test('the cycle finder finds a cycle (it can fail)', () => {
  expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
});

test('only the registry and its users import the registry; datasets import the contract', () => {
  const registry = path.join(DATA, 'registry.ts');
  const importers = [...graph].filter(([, deps]) => deps.includes(registry)).map(([f]) => rel(f)).sort();
  // status and fetch serve the CLI and look datasets up by name: they sit above the registry
  expect(importers).toEqual(['fetch.ts', 'status.ts']);
  const contract = path.join(DATA, 'dataset-contract.ts');
  expect(graph.get(contract)!.map(rel).filter((d) => d !== 'locate.ts')).toEqual([]);
});

test('shared helpers do not live in a dataset module', () => {
  for (const dataset of ['mnist.ts', 'fashion-mnist.ts', 'cifar10.ts', 'reuters.ts', 'imdb.ts']) {
    const dependents = [...graph].filter(([, deps]) => deps.includes(path.join(DATA, dataset))).map(([f]) => rel(f));
    expect({ dataset, dependents: dependents.filter((d) => d !== 'registry.ts') }).toEqual({ dataset, dependents: [] });
  }
});
