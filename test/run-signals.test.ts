import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { loadExperiment } from '../src/config/load';
import { isTempFile } from '../src/io/files';
import { campaignExitCode, type CampaignResult } from '../src/campaign/campaign';
import { RunOutput } from '../src/record/run-output';
import { runExperiment } from '../src/train/experiment';
import { smallExperiment, tempDir, writeConfig } from './helpers/cli';

const BIN = path.resolve(__dirname, '..', 'bin', 'is-bench');

interface Child {
  code: Promise<number | null>;
  output: () => string;
  kill: (signal: NodeJS.Signals) => void;
  waitFor: (pattern: RegExp) => Promise<void>;
}

function start(args: string[]): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (d: Buffer) => {
    text += d.toString();
    for (const w of [...waiters]) if (w.pattern.test(text)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return {
    code: new Promise((resolve) => child.on('exit', (c) => resolve(c))),
    output: () => text,
    kill: (s) => child.kill(s),
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        if (pattern.test(text)) return resolve();
        waiters.push({ pattern, resolve });
        child.on('exit', () => reject(new Error(`exited before ${pattern}:\n${text}`)));
      }),
  };
}

const METRICS = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'steps', 'is_active', 'tau'];

function csvRows(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true });
}

/** ~1,000 steps per arm and epoch: long enough to be caught in the middle of one. */
const slowExperiment = () =>
  smallExperiment({
    name: 'slow',
    epochs: 3,
    dataset: { name: 'synthetic', train: 16000, test: 200, features: 8, classes: 3, separation: 1.5 },
  });

test('SIGINT in the middle of an epoch: exit 130, finished epochs on disk, no temp files; resume finishes it with the same metrics', async () => {
  const out = tempDir();
  const file = writeConfig(slowExperiment());
  const run = start(['run', file, '--out', out, '--backend', 'cpu', '--no-progress']);
  await run.waitFor(/^Epoch 1\/3 importance /m);
  run.kill('SIGINT');
  expect(await run.code).toBe(130);
  expect(run.output()).toMatch(/SIGINT: stopping after the current step/);
  expect(run.output()).toMatch(/Interrupted; continue with: is-bench resume /);

  const [runId] = fs.readdirSync(path.join(out, 'slow'));
  const dir = path.join(out, 'slow', runId);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  expect(summary.status).toBe('interrupted');
  for (const arm of summary.arms) {
    expect(arm.status).toBe('interrupted');
    expect(csvRows(path.join(dir, `${arm.name}.csv`))).toHaveLength(arm.epochsCompleted);
  }
  expect(summary.arms.map((a: { epochsCompleted: number }) => a.epochsCompleted)).toEqual([1, 1]);
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
  expect(files.filter((f) => isTempFile(path.basename(f)))).toEqual([]);

  const resumed = start(['resume', dir, '--no-progress']);
  expect(await resumed.code).toBe(0);
  expect(resumed.output()).toMatch(/uniform: resuming after epoch 1/);

  const { config } = loadExperiment(file);
  const full = await runExperiment(config, { backend: 'cpu', outDir: tempDir() });
  for (const arm of ['uniform', 'importance']) {
    const pick = (d: string) => csvRows(path.join(d, `${arm}.csv`)).map((r) => METRICS.map((m) => r[m]));
    expect(pick(dir)).toEqual(pick(full.dir));
  }
});

test('SIGTERM stops with exit 143; a second signal exits at once', async () => {
  const out = tempDir();
  const file = writeConfig(slowExperiment());
  const term = start(['run', file, '--out', out, '--backend', 'cpu', '--no-progress']);
  await term.waitFor(/^Epoch 1\/3 uniform /m);
  term.kill('SIGTERM');
  expect(await term.code).toBe(143);

  const twice = start(['run', file, '--out', out, '--backend', 'cpu', '--no-progress']);
  await twice.waitFor(/^Epoch 1\/3 uniform /m);
  twice.kill('SIGINT');
  twice.kill('SIGINT');
  expect(await twice.code).toBe(130);
  for (const runId of fs.readdirSync(path.join(out, 'slow'))) {
    const dir = path.join(out, 'slow', runId);
    JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')); // parses
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.csv'))) csvRows(path.join(dir, f));
  }
});

/** Epochs of a millisecond or two: two steps on 64 samples, so an epoch never lasts a yield interval. */
const fastExperiment = () =>
  smallExperiment({
    name: 'fast',
    epochs: 100000,
    batchSize: 32,
    optimizer: { name: 'sgd' },
    dataset: { name: 'synthetic', train: 64, test: 32, features: 4, classes: 2, separation: 1.5 },
    arms: [
      { name: 'uniform', strategy: 'uniform' },
      { name: 'importance', strategy: 'upper-bound', presample: 2 },
    ],
  });

/** Every arm's CSV holds exactly its finished epochs, numbered 1..n; returns the counts. */
function wholeEpochs(dir: string): number[] {
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  expect(summary.status).toBe('interrupted');
  return summary.arms.map((arm: { name: string; epochsCompleted: number }) => {
    const rows = csvRows(path.join(dir, `${arm.name}.csv`));
    expect(rows.map((r) => Number(r.epoch))).toEqual(Array.from({ length: arm.epochsCompleted }, (_, i) => i + 1));
    return arm.epochsCompleted;
  });
}

test('runs of millisecond epochs stop on SIGINT (130) and SIGTERM (143), keep whole epochs, and resume continues them', async () => {
  const out = tempDir();
  const file = writeConfig(fastExperiment());
  const run = start(['run', file, '--out', out, '--backend', 'cpu', '--no-progress']);
  await run.waitFor(/^Epoch 1\/100000 importance /m);
  run.kill('SIGINT');
  expect(await run.code).toBe(130);
  expect(run.output()).toMatch(/SIGINT: stopping after the current step/);
  const [runId] = fs.readdirSync(path.join(out, 'fast'));
  const dir = path.join(out, 'fast', runId);
  const before = wholeEpochs(dir);
  expect(Math.min(...before)).toBeGreaterThanOrEqual(1);

  const resumed = start(['resume', dir, '--no-progress']);
  const next = Math.max(...before) + 2;
  await resumed.waitFor(new RegExp(`^Epoch ${next}/100000 importance `, 'm'));
  resumed.kill('SIGTERM');
  expect(await resumed.code).toBe(143);
  expect(resumed.output()).toMatch(/uniform: resuming after epoch \d+/);
  const after = wholeEpochs(dir);
  after.forEach((n, i) => expect(n).toBeGreaterThan(before[i]));
}, 120_000);

test('two runs started together in the same folder get their own run folders', async () => {
  const out = tempDir();
  const file = writeConfig(smallExperiment({ name: 'twin', epochs: 1 }));
  const a = start(['run', file, '--out', out, '--backend', 'cpu', '--no-progress']);
  const b = start(['run', file, '--out', out, '--backend', 'cpu', '--no-progress']);
  expect([await a.code, await b.code]).toEqual([0, 0]);
  const runs = fs.readdirSync(path.join(out, 'twin'));
  expect(runs).toHaveLength(2);
  for (const r of runs) expect(fs.readdirSync(path.join(out, 'twin', r))).toEqual(expect.arrayContaining(['uniform.csv', 'importance.csv', 'summary.json']));
});

test('run ids are unique within the same second (the folder is created exclusively)', () => {
  const out = tempDir();
  const when = new Date('2026-01-02T03:04:05Z');
  const ids = [0, 1, 2].map(() => RunOutput.create(out, 'exp', when).runId);
  expect(ids).toEqual(['20260102-030405', '20260102-030405-2', '20260102-030405-3']);
});

test('a stop signal that arrives after the last epoch (while reporting) still gives 130/143', () => {
  const finished = { status: 'finished', expectationsFailed: false } as CampaignResult;
  expect(campaignExitCode([finished])).toBe(0);
  expect(campaignExitCode([finished], 'SIGINT')).toBe(130);
  expect(campaignExitCode([finished], 'SIGTERM')).toBe(143);
});
