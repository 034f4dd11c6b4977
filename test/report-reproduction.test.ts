import * as fs from 'fs';
import * as path from 'path';
import { analyzeGroup } from '../src/report/analysis';
import { groupRuns } from '../src/report/merge';
import { referenceSetups, referenceSetup, type ReferenceSetupName } from '../src/report/reference-data';
import { buildBriefDocument, buildReportDocument } from '../src/report/report-document';
import { renderTerminal } from '../src/report/render-terminal';
import { renderMarkdown } from '../src/report/summary-markdown';
import {
  ourClaimData,
  referenceClaimData,
  reproductionTables,
  reproductionVerdicts,
  verdictLabel,
  type ClaimData,
} from '../src/report/reproduction';
import type { EpochRecord } from '../src/spec';
import { curve, memoryRun } from './report-fixtures';

describe('reference data', () => {
  it('holds both runs of the four setups with every epoch of the page', () => {
    expect(referenceSetups().map((s) => [s.name, s.uniform.epochs.length, s.importance.epochs.length])).toEqual([
      ['mnist-mlp', 20, 20],
      ['mnist-cnn', 12, 12],
      ['reuters-mlp', 5, 5],
      ['imdb-fasttext', 5, 5],
    ]);
    expect(referenceSetup('mnist-mlp').importance.epochs[2]).toEqual({ epoch: 3, seconds: 10, loss: 0.0093, acc: 0.726, val_loss: 0.0675, val_acc: 0.9835 });
    expect(referenceSetup('mnist-mlp').importance.epochs[8].loss).toBe(9.4248e-4);
    expect(referenceSetup('mnist-cnn').uniform.testAccuracy).toBe(0.99);
    expect(referenceSetup('reuters-mlp').importance.testAccuracy).toBeCloseTo(0.7894, 4);
    expect(referenceSetup('imdb-fasttext').importance.epochs[4]).toMatchObject({ seconds: 61, val_acc: 0.889 });
  });

  const page = path.resolve(__dirname, '../../shared/seed/examples.md');
  (fs.existsSync(page) ? it : it.skip)('matches every progress line of the examples page', () => {
    const text = fs.readFileSync(page, 'utf8');
    const lines = [...text.matchAll(/- (\d+)s - loss: ([0-9.e-]+) - (?:acc|accuracy): ([0-9.e-]+) - val_loss: ([0-9.e-]+) - val_(?:acc|accuracy): ([0-9.e-]+)/g)].map((m) =>
      m.slice(1).map(Number),
    );
    const ours = referenceSetups().flatMap((s) => [...s.uniform.epochs, ...s.importance.epochs]).map((e) => [e.seconds, e.loss, e.acc, e.val_loss, e.val_acc]);
    expect(ours).toEqual(lines);
  });
});

/** The reference itself, as if it were our run: every claim must hold on it. */
function referenceAsOurs(name: ReferenceSetupName, quick = false): ClaimData {
  return { ...referenceClaimData(referenceSetup(name)), quick };
}

function mapRecords(data: ClaimData, arm: 'uniform' | 'importance', f: (r: EpochRecord) => Partial<EpochRecord>): ClaimData {
  return { ...data, [arm]: { ...data[arm], records: data[arm].records.map((r) => ({ ...r, ...f(r) })) } };
}

describe('reproductionVerdicts', () => {
  it.each(['mnist-mlp', 'mnist-cnn', 'reuters-mlp', 'imdb-fasttext'] as const)('reproduces every claim of %s on the reference numbers', (name) => {
    const verdicts = reproductionVerdicts(name, referenceAsOurs(name));
    expect(verdicts.length).toBeGreaterThanOrEqual(2);
    expect(verdicts.map((v) => [v.claim, v.verdict])).toEqual(verdicts.map((v) => [v.claim, 'reproduced']));
  });

  it('does not reproduce the MNIST MLP claims when importance is no better and no slower', () => {
    let data = referenceAsOurs('mnist-mlp');
    // importance's first 3 epochs as bad as uniform's 20th, and epochs as fast as uniform's.
    data = mapRecords(data, 'importance', (r) => (r.epoch <= 3 ? { val_loss: 0.2, epoch_time_s: 4 } : { epoch_time_s: 4 }));
    const verdicts = reproductionVerdicts('mnist-mlp', data);
    expect(verdicts.map((v) => v.verdict)).toEqual(['not reproduced', 'not reproduced']);
    expect(verdicts[0].detail).toMatch(/worse or equal: val_loss/);
    expect(verdicts[1].numbers['ours ratio']).toBe(1);
  });

  it('does not reproduce the Reuters claims when importance is behind per update and ahead per second', () => {
    let data = referenceAsOurs('reuters-mlp');
    data = { ...data, uniform: data.importance, importance: data.uniform };
    const verdicts = reproductionVerdicts('reuters-mlp', data);
    expect(verdicts.map((v) => v.verdict)).toEqual(['not reproduced', 'not reproduced', 'not reproduced', 'not reproduced']);
  });

  it('does not reproduce a higher test accuracy that is lower', () => {
    const data = referenceAsOurs('imdb-fasttext');
    const flipped = mapRecords(data, 'importance', (r) => ({ val_accuracy: r.val_accuracy - 0.01 }));
    expect(reproductionVerdicts('imdb-fasttext', flipped)[0]).toMatchObject({ verdict: 'not reproduced', numbers: { 'ours importance': 0.879 } });
  });

  it('is not comparable without epochs, or with fewer uniform epochs in a full (not quick) run', () => {
    const empty: ClaimData = { ...referenceAsOurs('mnist-cnn'), importance: { records: [] } };
    expect(reproductionVerdicts('mnist-cnn', empty).map((v) => v.verdict)).toEqual(['not comparable', 'not comparable']);
    const short = referenceAsOurs('mnist-mlp');
    short.uniform = { records: short.uniform.records.slice(0, 3) };
    expect(reproductionVerdicts('mnist-mlp', short)[0].verdict).toBe('not comparable');
  });

  it('labels the verdicts of a quick run as quick', () => {
    const quick = referenceAsOurs('mnist-mlp', true);
    quick.uniform = { records: quick.uniform.records.slice(0, 3) };
    quick.importance = { records: quick.importance.records.slice(0, 3) };
    const verdicts = reproductionVerdicts('mnist-mlp', quick);
    expect(verdicts.every((v) => v.quick)).toBe(true);
    expect(verdictLabel(verdicts[0])).toMatch(/\(quick run\)$/);
    const analysis = analyzeGroup(groupRuns([memoryRun({ experiment: 'mnist-mlp', runId: 'r', seed: 0, arms: [{ name: 'uniform', strategy: 'uniform', records: quick.uniform.records }, { name: 'importance', strategy: 'biased', records: quick.importance.records }] })])[0]);
    const input = { analysis, charts: [], reproduction: { setup: 'mnist-mlp' as const, ours: quick, verdicts } };
    expect(renderMarkdown(buildReportDocument([input]))).toMatch(/QUICK RUN/);
    expect(renderTerminal(buildBriefDocument([input]))).toMatch(/\(quick run: fewer epochs on a subset\)/);
  });
});

describe('our side from run folders', () => {
  const run = (seed: number) =>
    memoryRun({
      experiment: 'mnist-cnn',
      runId: `r${seed}`,
      seed,
      arms: [
        { name: 'uniform', strategy: 'uniform', records: curve({ valLoss: [0.1, 0.05], valAccuracy: [0.98, 0.99], epochTime: 60, cost: 3 }) },
        { name: 'importance', strategy: 'upper-bound', records: curve({ valLoss: [0.07, 0.03], valAccuracy: [0.985, 0.992 + seed / 1000], epochTime: 180, cost: 6 }) },
      ],
    });

  it('picks the uniform and upper-bound arms, averages seeds, and judges them', () => {
    const analysis = analyzeGroup(groupRuns([run(1), run(3)])[0]);
    const ours = ourClaimData(analysis, false)!;
    expect(ours.names).toEqual({ uniform: 'uniform', importance: 'importance' });
    expect(ours.seeds).toBe(2);
    expect(ours.importance.records[1].val_accuracy).toBeCloseTo(0.994, 12);
    const verdicts = reproductionVerdicts('mnist-cnn', ours);
    expect(verdicts[0]).toMatchObject({ verdict: 'reproduced', numbers: { 'ours importance': 0.994, 'ours uniform': 0.99 } });
    expect(verdicts[0].detail).toMatch(/means over 2 seeds/);
    expect(verdicts[1].numbers['ours ratio']).toBe(3);
    expect(verdicts[1].verdict).toBe('reproduced');
  });

  it('puts the reference per-epoch numbers beside ours', () => {
    const ours = ourClaimData(analyzeGroup(groupRuns([run(1)])[0]), false)!;
    const [uniform, importance] = reproductionTables('mnist-cnn', ours);
    expect(uniform.title).toMatch(/python keras\/examples\/mnist_cnn.py/);
    expect(uniform.table.header.slice(0, 3)).toEqual(['epoch', 'loss ref', 'loss ours']);
    expect(uniform.table.rows).toHaveLength(12);
    expect(importance.table.rows[1]).toEqual(['2', '0.0682', '0.0300', '0.6355', '0.5000', '0.0413', '0.0300', '0.9891', '0.9930', '196', '180.00']);
    expect(importance.table.rows[5].slice(0, 3)).toEqual(['6', '0.0153', '']);
  });
});
