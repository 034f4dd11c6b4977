import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../src/errors';
import { EPOCH_COLUMNS } from '../src/spec';
import { analyzeGroup } from '../src/report/analysis';
import { headline, headlines } from '../src/report/headline';
import { groupRuns } from '../src/report/merge';
import { analyzeRunDirs, reportJson } from '../src/report/report';
import { parseEpochCsv } from '../src/record/epoch-csv';
import { readRunFolder } from '../src/report/run-folder';
import { meanCI } from '../src/report/stats';
import { curve, memoryRun, tempDir, writeRunFolder, type FixtureRun } from './report-fixtures';

/** A run where importance reaches uniform's best val_loss (0.1, epoch 4 = 16 s) at epoch 2 after `isEpochTime` s/epoch. */
function run(seed: number, isEpochTime: number, extra: Partial<FixtureRun> = {}): FixtureRun {
  return {
    experiment: 'mnist-mlp',
    runId: `run-${seed}`,
    seed,
    arms: [
      { name: 'uniform', strategy: 'uniform', records: curve({ valLoss: [0.4, 0.3, 0.2, 0.1, 0.15], epochTime: 4, cost: 300 }) },
      { name: 'importance', strategy: 'upper-bound', records: curve({ valLoss: [0.2, 0.1, 0.09, 0.08, 0.09], epochTime: isEpochTime, cost: 600 }) },
    ],
    ...extra,
  };
}

describe('reading run folders', () => {
  it('reads the CSV the run writes back into the same records (NaN as empty, extra columns kept)', async () => {
    const root = tempDir();
    const fixture = run(1, 5);
    fixture.arms[1].records[0].extra = { train_eval_loss: 0.25 };
    const dir = writeRunFolder(root, fixture);
    const folder = await readRunFolder(dir);
    expect(folder.summary.seed).toBe(1);
    expect(folder.arms.map((a) => a.name)).toEqual(['uniform', 'importance']);
    const records = folder.arms[1].records;
    expect(records).toHaveLength(5);
    expect(records[1]).toMatchObject({ epoch: 2, val_loss: 0.1, wall_time_s: 10, cost_units: 600 });
    expect(records[0].tau).toBeNaN();
    expect(records[0].extra.train_eval_loss).toBe(0.25);
    expect(records[1].extra.train_eval_loss).toBeNaN();
  });

  it('rejects a CSV without the fixed columns, and a folder without summary.json, with the file named', async () => {
    expect(() => parseEpochCsv('epoch,loss\n1,0.5\n', 'x/uniform.csv')).toThrow(/x\/uniform.csv: missing column\(s\) accuracy, val_loss/);
    const header = EPOCH_COLUMNS.join(',');
    const row = EPOCH_COLUMNS.map((c) => (c === 'loss' ? 'abc' : '1')).join(',');
    expect(() => parseEpochCsv(`${header}\n${row}\n`, 'f.csv')).toThrow(/f.csv: row 2, column loss: "abc" is not a number/);
    expect(() => parseEpochCsv(`${header}\n1,2\n`, 'g.csv')).toThrow(/g.csv: not a readable CSV file/);
    const empty = tempDir();
    await expect(readRunFolder(empty)).rejects.toThrow(UserError);
    await expect(analyzeRunDirs([empty])).rejects.toThrow(/no summary.json here or in the folders below it/);
  });

  it('rejects a summary.json without the fields reports need', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ experiment: 'e', runId: 'r', status: 'finished', config: { arms: [] } }));
    await expect(readRunFolder(dir)).rejects.toThrow(/summary.json: field "seed"/);
  });
});

describe('merging repeats and shards', () => {
  it('merges repeats into per-arm samples, ordered by seed whatever the order of the folders', async () => {
    const root = tempDir();
    const dirs = [3, 1, 2].map((seed) => writeRunFolder(root, run(seed, 4 + seed)));
    const [group] = await analyzeRunDirs(dirs);
    expect(group.analysis.seeds).toEqual([1, 2, 3]);
    const arm = group.analysis.arms.find((a) => a.name === 'importance')!;
    // uniform: 16 s to 0.1; importance: 2 epochs of 5, 6, 7 s.
    expect(arm.speedupTime.values).toEqual([16 / 10, 16 / 12, 16 / 14]);
    expect(arm.speedupTime.mean).toBeCloseTo(meanCI([1.6, 16 / 12, 16 / 14]).mean, 12);
    const reversed = await analyzeRunDirs([...dirs].reverse());
    expect(reportJson(reversed)).toEqual(reportJson([group]));
  });

  it('merges shards given as their folders into the same result as the run folders themselves', async () => {
    const shardA = tempDir('shard-a-');
    const shardB = tempDir('shard-b-');
    const runDirs = [writeRunFolder(shardA, run(1, 5)), writeRunFolder(shardA, run(2, 6)), writeRunFolder(shardB, run(3, 7))];
    const fromShards = await analyzeRunDirs([shardB, shardA]);
    const fromRuns = await analyzeRunDirs(runDirs);
    expect(fromShards).toHaveLength(1);
    expect(fromShards[0].analysis.seeds).toEqual([1, 2, 3]);
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'dir' ? undefined : v)));
    expect(strip(reportJson(fromShards))).toEqual(strip(reportJson(fromRuns)));
  });

  it('keeps different configurations of a sweep apart and seeds of one configuration together', () => {
    const mnist = (where: string) => ({ name: 'mnist', path: where });
    const groups = groupRuns([
      memoryRun(run(1, 5, { config: { lr: 0.1, dataset: mnist('/a') } })),
      memoryRun(run(1, 5, { runId: 'b1', config: { lr: 0.01, dataset: mnist('/a') } })),
      memoryRun(run(2, 5, { runId: 'a2', config: { lr: 0.1, seed: 2, dataset: mnist('/a') } })),
      // another machine found the dataset elsewhere: still the same configuration
      memoryRun(run(3, 5, { runId: 'a3', config: { lr: 0.1, seed: 3, dataset: mnist('/other/place') } })),
      memoryRun(run(4, 5, { runId: 'c4', config: { lr: 0.1, seed: 4, dataset: { name: 'mnist', path: '/a', limit: 600 } } })),
    ]);
    expect(groups.map((g) => g.runs.map((r) => r.summary.runId))).toEqual([['run-1', 'a2', 'a3'], ['b1'], ['c4']]);
  });

  it('warns about a seed given twice and about interrupted runs', () => {
    const [group] = groupRuns([memoryRun(run(1, 5)), memoryRun(run(1, 5, { runId: 'again', status: 'interrupted' }))]);
    expect(group.warnings.join('\n')).toMatch(/seed 1 appears in more than one run folder/);
    expect(group.warnings.join('\n')).toMatch(/again \(seed 1\) is interrupted/);
  });
});

describe('headline', () => {
  const analysisOf = (times: number[], extraRuns: FixtureRun[] = []) =>
    analyzeGroup(groupRuns([...times.map((t, i) => memoryRun(run(i + 1, t))), ...extraRuns.map(memoryRun)])[0]);

  it('gives the speedup with its 95% CI over seeds', () => {
    // speedups 16 / (2 t): 2.0, 1.6, 2.0, 1.6, 1.6
    const a = analysisOf([4, 5, 4, 5, 5]);
    const s = meanCI([2, 1.6, 2, 1.6, 1.6]);
    expect(s.mean).toBeCloseTo(1.76, 12);
    expect(headlines(a)).toEqual([`importance reached val_loss 0.1000 ${s.mean.toFixed(1)} ± ${s.halfWidth.toFixed(1)}x faster than uniform (5 seeds)`]);
  });

  it('says when the difference is not significant', () => {
    // speedups 1.6, 0.8, 1.0667: CI contains 1
    const a = analysisOf([5, 10, 7.5]);
    expect(headline(a, a.arms[1])).toMatch(/^importance reached val_loss 0.1000 .*x faster than uniform \(3 seeds\) — the difference is not significant$/);
  });

  it('says in how many seeds the target was reached, and when it never was', () => {
    const never: FixtureRun = {
      ...run(9, 5),
      arms: [run(9, 5).arms[0], { name: 'importance', strategy: 'upper-bound', records: curve({ valLoss: [0.5, 0.4, 0.3], epochTime: 5, cost: 600 }) }],
    };
    const a = analysisOf([5, 5], [never]);
    expect(headline(a, a.arms[1])).toMatch(/\(reached it in 2 of 3 seeds\)/);
    const b = analyzeGroup(groupRuns([memoryRun(never)])[0]);
    expect(headline(b, b.arms[1])).toBe("importance never reached val_loss 0.1000 (uniform's best val_loss) in 1 seed");
  });

  it('gives a single seed without an interval, and a slower arm as a fraction of the speed', () => {
    const a = analysisOf([16]);
    expect(headline(a, a.arms[1])).toBe('importance reached val_loss 0.1000 at 0.50x the speed of uniform (1 seed) — one seed, no confidence interval');
  });
});
