/**
 * User errors only the data reveals, and silent changes: each is exit 2 with one line naming the
 * file and field (or one warning line saying what was changed), never a stack trace, never
 * accepted in silence.
 */
import * as fs from 'fs';
import * as path from 'path';
import { printable } from '../src/errors';
import { parseEpochCsv } from '../src/record/epoch-csv';
import { runCli, smallExperiment, tempDir, writeConfig } from './helpers/cli';

const run = (doc: unknown, ...args: string[]) => {
  const file = writeConfig(doc, 'exp.json');
  return runCli('run', file, '--out', tempDir(), '--backend', 'cpu', '--no-progress', '--epochs', '1', ...args);
};

/** Exit 2 and exactly one line on stderr, naming the config file; returns the line. */
async function oneLineError(r: Promise<{ code: number; err: string }>): Promise<string> {
  const { code, err } = await r;
  expect({ code, lines: err.trimEnd().split('\n').length }).toEqual({ code: 2, lines: 1 });
  expect(err).toMatch(/^is-bench: /);
  return err.trim();
}

const dense = (units: number, activation = 'relu') => ({ type: 'dense', units, activation });

describe('a final layer whose units differ from the number of classes', () => {
  test.each<[string, unknown[], RegExp]>([
    ['5 units for 3 classes', [dense(8), dense(5, 'softmax')], /exp\.json: model\.layers\[1\]\.units is 5, but dataset synthetic has 3 classes; the output layer must have 3 units/],
    ['1 unit for 3 classes', [dense(1, 'softmax')], /model\.layers\[0\]\.units is 1, .*3 classes/],
    ['the wrong units before dropout and an activation', [dense(8), dense(4, 'linear'), { type: 'dropout', rate: 0.1 }, { type: 'activation', activation: 'softmax' }], /model\.layers\[1\]\.units is 4/],
  ])('%s', async (_label, layers, message) => {
    expect(await oneLineError(run(smallExperiment({ model: { layers } })))).toMatch(message);
  });

  test('the right units train (the check does not refuse what fits)', async () => {
    const r = await run(smallExperiment({ model: { layers: [dense(8), dense(3, 'linear'), { type: 'dropout', rate: 0.1 }, { type: 'activation', activation: 'softmax' }] } }));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('more candidates per step than can be meant (300 samples, batch 16)', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['upper-bound presample 1000 (16000 candidates)', { name: 'ub', strategy: 'upper-bound', presample: 1000 }, /arms\[1\]: strategy upper-bound: presample gives 16000 candidates per step, more than the 300 training samples; at most 300/],
    ['upper-bound presample 19 (304 candidates, just above)', { name: 'ub', strategy: 'upper-bound', presample: 19 }, /presample gives 304 candidates per step, more than the 300/],
    ['upper-bound presample 18.8125 (301 candidates, one above)', { name: 'ub', strategy: 'upper-bound', presample: 18.8125 }, /presample gives 301 candidates per step, more than the 300 training samples; at most 300 can be meant/],
    ['biased presample 100000 (always on: limit 100 x N)', { name: 'b', strategy: 'biased', presample: 100000 }, /strategy biased: presample gives 100000 candidates per step, more than 100 times the 300 training samples; at most 30000 can be meant/],
    ['approximate presample 30001 (one above)', { name: 'a', strategy: 'approximate', presample: 30001 }, /strategy approximate: presample gives 30001 candidates per step, more than 100 times/],
  ])('%s', async (_label, arm, message) => {
    const line = await oneLineError(run(smallExperiment({ arms: [{ name: 'uniform', strategy: 'uniform' }, arm] })));
    expect(line).toMatch(/exp\.json: /);
    expect(line).toMatch(message);
  });

  test('exactly at the limits is accepted (upper-bound 300 candidates, biased 30000)', async () => {
    const r = await run(smallExperiment({ arms: [{ name: 'ub', strategy: 'upper-bound', presample: 18.75 }, { name: 'b', strategy: 'biased', presample: 30000 }] }), '--limit', '300', '--batch-size', '16');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('reserved names are told why', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['an arm named ..', { arms: [{ name: '..', strategy: 'uniform' }] }, /arms\[0\]\.name: "\.\." is a reserved name \(it means the parent folder\); it names a CSV file/],
    ['an arm named .', { arms: [{ name: '.', strategy: 'uniform' }] }, /arms\[0\]\.name: "\." is a reserved name \(it means this folder\)/],
    ['an experiment named ..', { name: '..' }, /name: "\.\." is a reserved name .*results folder/],
  ])('%s', async (_label, overrides, message) => {
    const line = await oneLineError(run(smallExperiment(overrides)));
    expect(line).toMatch(message);
    expect(line).not.toMatch(/followed by letters/);
  });

  test('other bad names still get the character rule', async () => {
    expect(await oneLineError(run(smallExperiment({ arms: [{ name: '.hidden', strategy: 'uniform' }] })))).toMatch(/must start with a letter or digit/);
  });
});

describe('batchSize larger than the training set names the file and the field', () => {
  test('in the config', async () => {
    expect(await oneLineError(run(smallExperiment({ batchSize: 100000 })))).toMatch(
      /exp\.json: batchSize 100000 is larger than the 300 training samples of dataset synthetic; set batchSize \(or --batch-size\) to at most 300$/,
    );
  });

  test('from --batch-size, and with --limit below it', async () => {
    expect(await oneLineError(run(smallExperiment(), '--batch-size', '301'))).toMatch(/exp\.json: batchSize 301 is larger than the 300/);
    expect(await oneLineError(run(smallExperiment(), '--limit', '10'))).toMatch(/exp\.json: batchSize 16 is larger than the 10 training samples/);
  });
});

describe('a sweep entry that is not an experiment: one line, not the file', () => {
  const sweep = (entry: string, content: string) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, entry), content);
    const file = path.join(dir, 'sweep.yaml');
    fs.writeFileSync(file, `name: sw\nexperiments:\n  - ${entry}\n`);
    return runCli('sweep', file, '--out', tempDir(), '--backend', 'cpu', '--no-progress');
  };

  test.each<[string, string, string, RegExp]>([
    ['another sweep', 'inner.yaml', 'name: inner\nexperiments:\n  - smoke\n', /experiments entry "inner\.yaml" .* is not an experiment config: it is a sweep \(sweeps do not nest\)/],
    ['a package.json', 'package.json', JSON.stringify({ name: 'x', version: '1.0.0', scripts: { test: 'jest' }, dependencies: { a: '1' } }), /"package\.json" .* it has none of dataset, model, arms/],
    ['a YAML list', 'list.yaml', '- 1\n- 2\n', /"list\.yaml" .* its content is a list, not a mapping/],
    ['a page of text', 'notes.yaml', 'Just some notes about the experiment that go on and on. '.repeat(50), /"notes\.yaml" .* its content is a string, not a mapping/],
  ])('%s', async (_label, entry, content, message) => {
    const line = await oneLineError(sweep(entry, content));
    expect(line).toMatch(message);
    expect(line.length).toBeLessThan(300);
  });
});

describe('what a run changes of what it was asked: one warning line each', () => {
  // a log line wider than the output is wrapped at words, its continuation lines indented
  const warnings = (text: string) =>
    text
      .replace(/\n {2}(?=\S)/g, ' ')
      .split('\n')
      .filter((l) => /warning:/.test(l));

  test('--arms naming an arm twice', async () => {
    const r = await run(smallExperiment(), '--arms', 'uniform,uniform,importance,uniform');
    expect(r.code).toBe(0);
    expect(warnings(r.err)).toEqual(['is-bench: warning: --arms names "uniform" more than once: running each arm once']);
  });

  test('--limit and --eval-train above the training set', async () => {
    const r = await run(smallExperiment(), '--limit', '5000', '--eval-train', '301');
    expect(r.code).toBe(0);
    expect(warnings(r.out)).toEqual([
      'warning: limit 5000 (--limit or dataset.limit) is more than the 300 training samples of dataset synthetic: using all 300',
      'warning: --eval-train 301 is more than the 300 training samples: measuring all 300',
    ]);
  });

  test('a dataset.limit in the config above the set, and values that fit: only the one that does not fit warns', async () => {
    const over = await run(smallExperiment({ dataset: { name: 'synthetic', train: 300, test: 100, features: 8, classes: 3, limit: 301 } }), '--eval-train', '300');
    expect(warnings(over.out)).toEqual(['warning: limit 301 (--limit or dataset.limit) is more than the 300 training samples of dataset synthetic: using all 300']);
    const fits = await run(smallExperiment(), '--limit', '300', '--eval-train', '300', '--arms', 'uniform');
    expect(warnings(fits.out + fits.err)).toEqual([]);
  });
});

describe('text from files in messages', () => {
  test('printable escapes control bytes, undecodable bytes and lone surrogates, and cuts', () => {
    expect(printable('a\u001b[2Jb\u0007')).toBe('a\\u001b[2Jb\\u0007');
    expect(printable('\ufffd\ud800x\udc00')).toBe('\\ufffd\\ud800x\\udc00');
    expect(printable('ok \u00e9 \ud83d\ude00')).toBe('ok \u00e9 \ud83d\ude00');
    expect(printable('abcdef', 3)).toBe('abc...');
  });

  test('a CSV of binary bytes or with a control-byte cell gives an escaped one-line error', () => {
    const binary = Buffer.from([0x65, 0x70, 0x6f, 0x63, 0x68, 0x0a, 0x22, 0x00, 0x1b, 0x5b, 0xff, 0x0a]).toString('utf8');
    for (const text of [binary, 'epoch,loss\n"a\u001b[2J\u0007\n']) {
      expect(() => parseEpochCsv(text, 'x.csv')).toThrow(/^x\.csv: /);
      try {
        parseEpochCsv(text, 'x.csv');
      } catch (e) {
        expect((e as Error).message).not.toMatch(/[\u0000-\u001f\u007f\ufffd]/);
      }
    }
  });
});
