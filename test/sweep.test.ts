import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { analyzeRunDirs } from '../src/report/report';
import { parseShard, setConfigPath, shardCells, sweepCells, SweepSchema } from '../src/config/sweep';
import { runCli, smallExperiment, tempDir } from './helpers/cli';

const BIN = path.resolve(__dirname, '..', 'bin', 'is-bench');

function sweepFiles(): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'tiny.yaml'), YAML.stringify(smallExperiment({ name: 'tiny' })));
  fs.writeFileSync(
    path.join(dir, 'sweep.yaml'),
    YAML.stringify({
      name: 'presample-sweep',
      experiments: ['tiny.yaml'],
      grid: { 'arms.importance.presample': [2, 4] },
      overrides: { epochs: 2, 'arms.importance.tau_th': 1.0001 },
      seeds: [0, 1],
    }),
  );
  return path.join(dir, 'sweep.yaml');
}

describe('sweep cells and shards', () => {
  const sweep = SweepSchema.parse({ name: 's', experiments: ['a', 'b'], grid: { batchSize: [16, 32], seedless: ['x'] }, seeds: [0, 1, 2] });

  test('cells in a fixed order: experiments x grid x seeds, with readable ids', () => {
    const cells = sweepCells(sweep);
    expect(cells).toHaveLength(2 * 2 * 3);
    expect(cells.slice(0, 4).map((c) => c.id)).toEqual([
      'a__batchSize=16,seedless=x__seed0',
      'a__batchSize=16,seedless=x__seed1',
      'a__batchSize=16,seedless=x__seed2',
      'a__batchSize=32,seedless=x__seed0',
    ]);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
  });

  test.each([1, 2, 3, 5, 12, 13])('%i shards partition the cells', (n) => {
    const cells = sweepCells(sweep);
    const shards = Array.from({ length: n }, (_, i) => shardCells(cells, { index: i + 1, count: n }).map((c) => c.index));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(cells.map((c) => c.index));
    expect(Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length))).toBeLessThanOrEqual(1);
  });

  test.each(['0/2', '3/2', '1/0', 'a/b', '1'])('--shard %s is rejected', (text) => {
    expect(() => parseShard(text)).toThrow(/expected i\/n with 1 <= i <= n/);
  });

  test('grid keys address arms by name', () => {
    const doc = smallExperiment() as Record<string, unknown>;
    setConfigPath(doc, 'arms.importance.presample', 5, 'test');
    expect((doc.arms as { name: string; presample?: number }[])[1].presample).toBe(5);
    expect(() => setConfigPath(doc, 'arms.nosuch.presample', 5, 'test')).toThrow(/does not name a field of the experiment \(no "arms.nosuch"\)/);
  });

  test('a bad grid value fails before anything runs, naming the cell and field', async () => {
    const file = sweepFiles();
    const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
    doc.grid['arms.importance.presample'] = [2, 'lots'];
    fs.writeFileSync(file, YAML.stringify(doc));
    const out = tempDir();
    const r = await runCli('sweep', file, '--out', out, '--backend', 'cpu', '--no-progress');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cell tiny__arms.importance.presample=lots__seed0\): arms\[1\]\.presample must be a number > 1 \(got "lots"\)/);
    expect(fs.existsSync(path.join(out, 'sweeps'))).toBe(false);
  });
});

function runChild(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
    child.on('exit', resolve);
  });
}

test('a sweep run as two shards in two processes merges into the same report as one process (times aside)', async () => {
  const file = sweepFiles();
  const single = tempDir();
  const sharded = tempDir();
  const one = await runCli('sweep', file, '--out', single, '--backend', 'cpu', '--no-progress');
  expect(one.code).toBe(0);
  const codes = await Promise.all([1, 2].map((i) => runChild(['sweep', file, '--shard', `${i}/2`, '--out', sharded, '--backend', 'cpu', '--no-progress'])));
  expect(codes).toEqual([0, 0]);
  const cells = (dir: string) => fs.readdirSync(path.join(dir, 'sweeps', 'presample-sweep')).filter((f) => fs.statSync(path.join(dir, 'sweeps', 'presample-sweep', f)).isDirectory()).sort();
  expect(cells(sharded)).toEqual(cells(single));
  expect(cells(single)).toHaveLength(4);

  const figures = async (dir: string) =>
    (await analyzeRunDirs([path.join(dir, 'sweeps', 'presample-sweep')], { plots: false })).map((g) => ({
      seeds: g.analysis.seeds,
      arms: g.analysis.arms.map((a) => ({
        name: a.name,
        perSeed: a.seeds.map((s) => [s.seed, s.bestValLoss, s.finalValAccuracy, s.epochs, s.hit?.epoch ?? null]),
      })),
    }));
  const a = await figures(single);
  expect(a).toHaveLength(2); // two presample values, seeds merged within each
  expect(a[0].seeds).toEqual([0, 1]);
  expect(await figures(sharded)).toEqual(a);
});
