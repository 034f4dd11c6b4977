import { UserError } from '../src/errors';
import { analyzeGroup } from '../src/report/analysis';
import { parseExpectation, parseExpectations } from '../src/config/expectation';
import { anyExpectationFailed, evaluateExpectations, expectationTable } from '../src/report/expectations';
import { buildBriefDocument } from '../src/report/report-document';
import { renderTerminal } from '../src/report/render-terminal';
import { tableToMarkdown } from '../src/report/table';
import { groupRuns } from '../src/report/merge';
import { curve, memoryRun } from './report-fixtures';

describe('parseExpectation', () => {
  it('parses arm quantities compared with an arm quantity or a number', () => {
    expect(parseExpectation('importance.best.val_accuracy >= uniform.best.val_accuracy')).toEqual({
      line: 'importance.best.val_accuracy >= uniform.best.val_accuracy',
      left: { type: 'arm', arm: 'importance', quantity: { kind: 'best', metric: 'val_accuracy' }, text: 'importance.best.val_accuracy' },
      op: '>=',
      right: { type: 'arm', arm: 'uniform', quantity: { kind: 'best', metric: 'val_accuracy' }, text: 'uniform.best.val_accuracy' },
    });
    expect(parseExpectation('importance.speedup.val_loss > 1')).toMatchObject({
      left: { arm: 'importance', quantity: { kind: 'speedup', metric: 'val_loss' } },
      op: '>',
      right: { type: 'number', value: 1 },
    });
    expect(parseExpectation('importance.final.val_loss<0.1')).toMatchObject({ op: '<', right: { value: 0.1 } });
    expect(parseExpectation('ub-p5.epoch_time_ratio <= 3e0')).toMatchObject({
      left: { arm: 'ub-p5', quantity: { kind: 'epoch_time_ratio' } },
      right: { value: 3 },
    });
  });

  it('keeps dots that belong to an arm name', () => {
    expect(parseExpectation('v1.2.final.train_loss < 0.5').left).toMatchObject({ arm: 'v1.2', quantity: { kind: 'final', metric: 'train_loss' } });
  });

  it.each([
    ['importance.best.val_accuracy', /no comparison operator/],
    ['importance.best.val_loss < 1 < 2', /more than one comparison operator/],
    ['1 < importance.best.val_loss', /left side "1" must be an arm's quantity/],
    ['importance.fastest.val_loss > 1', /neither a number nor <arm>.<quantity>/],
    ['importance.best > 1', /needs a metric after best/],
    ['importance.best.val_acc > 0.9', /best.<metric> takes one of/],
    ['importance.speedup.loss > 1', /speedup.<metric> takes one of val_loss/],
    ['importance.cost_ratio.val_loss < 2', /cost_ratio takes no metric/],
    ['importance.best.val_loss <= ', /empty/],
  ])('rejects "%s" with a clear message', (line, why) => {
    expect(() => parseExpectation(line, 'expect[0]')).toThrow(UserError);
    expect(() => parseExpectation(line, 'expect[0]')).toThrow(why);
    expect(() => parseExpectation(line, 'expect[0]')).toThrow(/expected <arm>.<quantity> <op>/);
  });

  it('names the bad line by its position', () => {
    expect(() => parseExpectations(['a.best.val_loss < 1', 'nonsense'], 'mnist: expect')).toThrow(/mnist: expect\[1\] "nonsense"/);
  });
});

describe('evaluateExpectations', () => {
  const run = (seed: number, jitter: number) =>
    memoryRun({
      experiment: 'e',
      runId: `r${seed}`,
      seed,
      arms: [
        { name: 'uniform', strategy: 'uniform', records: curve({ valLoss: [0.3, 0.2, 0.1 + jitter, 0.12], epochTime: 4, cost: 300 }) },
        { name: 'importance', strategy: 'upper-bound', records: curve({ valLoss: [0.2, 0.09, 0.08, 0.085], epochTime: 5, cost: 600 }) },
        { name: 'stuck', strategy: 'upper-bound', records: curve({ valLoss: [0.5, 0.5, 0.5, 0.5], epochTime: 1, cost: 100 }) },
      ],
    });
  const analysis = analyzeGroup(groupRuns([run(1, 0), run(2, 0.005)])[0]);

  it('evaluates each line to pass/fail with both numbers (means over seeds)', () => {
    const results = evaluateExpectations(
      parseExpectations([
        'importance.best.val_accuracy >= uniform.best.val_accuracy',
        'importance.speedup.val_loss > 1',
        'importance.final.val_loss < 0.08',
        'importance.cost_ratio == 2',
      ]),
      analysis,
    );
    expect(results.map((r) => r.passed)).toEqual([true, true, false, true]);
    expect(results[0].left).toBeCloseTo(0.92, 12);
    expect(results[0].right).toBeCloseTo((0.9 + 0.895) / 2, 12);
    // target = 0.105 (the least strict uniform best); uniform at epoch 3 (12 s), importance at epoch 2 (10 s).
    expect(results[1].left).toBeCloseTo(1.2, 12);
    expect(results[2].left).toBeCloseTo(0.085, 12);
    expect(results[2].right).toBe(0.08);
    expect(results[0].note).toMatch(/means over 2 seeds/);
    expect(anyExpectationFailed(results)).toBe(true);
    expect(anyExpectationFailed(results.filter((r) => r.passed))).toBe(false);
  });

  it('fails a speedup that was never reached, saying so', () => {
    const [result] = evaluateExpectations(parseExpectations(['stuck.speedup.val_loss > 0.5']), analysis);
    expect(result.passed).toBe(false);
    expect(result.left).toBeNull();
    expect(result.note).toMatch(/never reached val_loss/);
  });

  it('rejects an unknown arm or column as a user error naming the line', () => {
    expect(() => evaluateExpectations(parseExpectations(['fast.best.val_loss < 1']), analysis)).toThrow(/no arm named "fast" \(arms: uniform, importance, stuck\)/);
    expect(() => evaluateExpectations(parseExpectations(['importance.final.train_loss < 1']), analysis)).toThrow(/--eval-train/);
  });

  it('formats a pass/fail table, and pass/fail lines with a count for the terminal', () => {
    const results = evaluateExpectations(parseExpectations(['importance.final.val_loss < 0.08', 'importance.cost_ratio > 1']), analysis);
    const text = tableToMarkdown(expectationTable(results));
    expect(text).toMatch(/\| importance.final.val_loss < 0.08 \|\s+0.085 \|\s+0.08 \| FAIL/);
    expect(text).toMatch(/\| importance.cost_ratio > 1\s+\|\s+2 \|\s+1 \| pass/);
    const brief = renderTerminal(buildBriefDocument([{ analysis, expectations: results, charts: [] }]));
    expect(brief).toMatch(/Expectations: 1 of 2 met/);
    expect(brief).toMatch(/\[FAIL\] importance.final.val_loss < 0.08 \(0.085 vs 0.08/);
    expect(brief).toMatch(/\[pass\] importance.cost_ratio > 1 \(2 vs 1/);
  });
});
