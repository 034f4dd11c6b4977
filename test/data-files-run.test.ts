/**
 * The user's files end to end: a config with relative paths, a run of uniform against
 * upper-bound through runExperiment, the parsed cache, `is-bench datasets --config`, and the
 * CLI's exit code 2 with one line for a bad file or block.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { resolveExperiment } from '../src/config/load';
import { runExperiment } from '../src/train/experiment';
import { runCli, writeConfig } from './helpers/cli';
import { jpegBytes, pngBytes, tempDir, writeTree } from './helpers/data-fixtures';
import { cacheDir, loadFiles } from './helpers/data-files';

// runExperiment and the CLI use $IS_BENCH_CACHE: keep their caches out of the project
const previousCache = process.env.IS_BENCH_CACHE;
beforeAll(() => {
  process.env.IS_BENCH_CACHE = cacheDir;
});
afterAll(() => {
  if (previousCache === undefined) delete process.env.IS_BENCH_CACHE;
  else process.env.IS_BENCH_CACHE = previousCache;
});

const dir = tempDir('isb-files-run-');

/** Three Gaussian-ish classes in 4 features, deterministic; cultivar names as class labels. */
function blobsCsv(n: number, offset: number): string {
  const names = ['barolo', 'grignolino', 'barbera'];
  const rows = Array.from({ length: n }, (_, i) => {
    const c = (i * 7 + offset) % 3;
    const f = [0, 1, 2, 3].map((j) => (c * 2 + Math.sin(i * 1.3 + j * 0.7 + offset)).toFixed(4));
    return `${f.join(',')},"${names[c]}"`;
  });
  return `alcohol,acid,ash,color,cultivar\n${rows.join('\n')}\n`;
}

writeTree(dir, { 'data/train.csv': blobsCsv(96, 0), 'data/test.csv': blobsCsv(30, 1) });

function experiment(dataset: Record<string, unknown>, model: unknown): Record<string, unknown> {
  return {
    name: 'mine',
    dataset,
    model,
    optimizer: { name: 'adam', learningRate: 0.01 },
    loss: 'categorical_crossentropy',
    epochs: 2,
    batchSize: 8,
    seed: 3,
    arms: [
      { name: 'uniform', strategy: 'uniform' },
      { name: 'importance', strategy: 'upper-bound', presample: 3 },
    ],
  };
}

const MLP = { layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 3 }, { type: 'activation', activation: 'softmax' }] };

function csvRows(runDir: string, arm: string): Record<string, string>[] {
  return parse(fs.readFileSync(path.join(runDir, `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[];
}

describe('runExperiment on the user files', () => {
  test('a csv with a test file: relative paths from the config folder, two arms, two epochs of CSV rows', async () => {
    const cfg = resolveExperiment(
      experiment({ format: 'csv', train: 'data/train.csv', test: 'data/test.csv', label: 'cultivar', standardize: true }, MLP),
      'exp.yaml',
      dir,
    );
    expect(cfg.dataset.name).toBe('train');
    expect(cfg.dataset.format).toBe('csv');
    expect(cfg.dataset.options.train).toBe(path.join(dir, 'data/train.csv'));
    const out = tempDir('isb-files-out-');
    const { summary, dir: runDir } = await runExperiment(cfg, { backend: 'cpu', outDir: out, checkpoint: false });
    expect(summary.status).toBe('finished');
    for (const arm of ['uniform', 'importance']) {
      const rows = csvRows(runDir, arm);
      expect(rows.map((r) => r.epoch)).toEqual(['1', '2']);
      expect(Number(rows[1].steps)).toBe(Math.floor(96 / 8));
    }
    const written = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    expect(written.dataset.train).toBe(96);
    expect(written.dataset.validation).toBe(30);
    expect(written.dataset.info).toContain('label "cultivar": 3 classes: 0=barbera, 1=barolo, 2=grignolino');
    expect(written.config.dataset.options.label).toBe('cultivar');
  });

  test('an image folder with a holdout', async () => {
    const images: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) {
      images[`pics/dark/${i}.png`] = pngBytes(6, 5, (x, y) => [20 + x + i, 30 + y, 10]);
      images[`pics/light/${i}.jpg`] = jpegBytes(5, 6, (x, y) => [220 - x, 200 - y - i, 230]);
    }
    writeTree(dir, images);
    const model = { layers: [{ type: 'flatten' }, { type: 'dense', units: 2 }, { type: 'activation', activation: 'softmax' }] };
    const cfg = resolveExperiment(
      experiment({ format: 'images', path: 'pics', imageSize: [4, 4], channels: 3, validation: { holdout: 0.25 } }, model),
      'exp.yaml',
      dir,
    );
    const { summary, dir: runDir } = await runExperiment({ ...cfg, batchSize: 4 }, { backend: 'cpu', outDir: tempDir('isb-files-out-'), checkpoint: false });
    expect(summary.status).toBe('finished');
    expect(summary.dataset?.train).toBe(18);
    expect(summary.dataset?.validation).toBe(6);
    for (const arm of ['uniform', 'importance']) expect(csvRows(runDir, arm)).toHaveLength(2);
  });

  test('a regression dataset with a classification loss is refused before anything runs', async () => {
    writeTree(dir, { 'reg.csv': 'a,b,price\n1,2,10.5\n2,3,11.25\n3,4,12.5\n4,5,14.75\n5,6,15.5\n6,7,16.25\n7,8,18.5\n8,9,19.75\n' });
    const cfg = resolveExperiment(experiment({ format: 'csv', path: 'reg.csv', label: 'price', validation: { holdout: 0.25 } }, MLP), 'exp.yaml', dir);
    const out = tempDir('isb-files-out-');
    await expect(runExperiment({ ...cfg, batchSize: 2 }, { backend: 'cpu', outDir: out })).rejects.toThrow(
      'loss categorical_crossentropy is a classification loss, but dataset reg has regression targets (1 value per sample): use loss mse, mae or huber',
    );
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('the parsed cache', () => {
  test('keyed by the file content and the reading options', async () => {
    const own = tempDir('isb-own-cache-');
    const p = path.join(dir, 'cached.csv');
    fs.writeFileSync(p, 'a,b\n1,x\n2,y\n3,x\n4,y\n');
    const log: string[] = [];
    const load = (options: Record<string, unknown> = {}) => loadFiles('csv', { path: p, label: 'b', ...options }, { validation: { holdout: 0.5 }, log, cache: own });
    const first = await load();
    expect(first.source).toMatch(/parsed in .* s, cached as .*file-csv-[0-9a-f]{20}\.bin\)$/);
    expect(log).toEqual([`file-csv: parsing ${p} (first load; the result is cached)`]);
    const second = await load();
    expect(second.source).toMatch(/\(from cache .*file-csv-/);
    expect(Array.from(second.train.x)).toEqual(Array.from(first.train.x));
    // shuffle, seed and standardize are applied after the cache: same file
    expect((await load({ seed: 5, standardize: true })).source).toMatch(/from cache/);
    expect(fs.readdirSync(own)).toHaveLength(1);
    // another reading option, or other content: parsed again, into another file
    expect((await load({ target: 'binary' })).source).toMatch(/parsed in/);
    fs.writeFileSync(p, 'a,b\n1,x\n2,y\n3,x\n5,y\n');
    const edited = await load();
    expect(edited.source).toMatch(/parsed in/);
    expect([...edited.train.x, ...edited.validation.x].sort()).toEqual([1, 2, 3, 5]);
    expect(fs.readdirSync(own).filter((f) => f.endsWith('.bin'))).toHaveLength(3);
  });
});

describe('the CLI', () => {
  const configFor = (dataset: Record<string, unknown>) => {
    const file = writeConfig(experiment(dataset, MLP));
    return file;
  };

  async function rejected(config: string, expected: RegExp): Promise<void> {
    const out = tempDir('isb-files-cli-');
    const r = await runCli('run', config, '--out', out, '--backend', 'cpu', '--no-progress');
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(expected);
    expect(fs.readdirSync(out)).toEqual([]);
  }

  test('a ragged csv: exit code 2, one line naming the file and line, nothing trained', async () => {
    const bad = path.join(dir, 'ragged.csv');
    fs.writeFileSync(bad, 'a,b,c\n1,2,x\n3,4,y\n5,y\n');
    await rejected(configFor({ format: 'csv', path: bad, label: 'c', validation: { holdout: 0.5 } }), new RegExp(`^is-bench: ${bad}: line 4: 2 fields, but the header has 3`));
  });

  test.each([
    [{ format: 'csv', path: 'x.csv' }, /dataset\.label is required/],
    [{ format: 'xlsx', path: 'x.xlsx' }, /dataset\.format must be one of csv, npy, npz, images, jsonl \(got "xlsx"\)/],
    [{ path: 'x.csv' }, /dataset\.name is required: a built-in dataset \(mnist, .*\), or dataset\.format for your own files/],
    [{ format: 'images', path: 'pics', validation: { holdout: 0.2 } }, /dataset\.imageSize is required/],
    [{ format: 'csv', path: 'x.csv', label: 'y' }, /dataset\.validation: there is no test split to validate on/],
    [{ format: 'csv', path: 'x.csv', train: 'y.csv', label: 'y' }, /dataset: give either path or train \(and test\), not both/],
    [{ format: 'csv', path: 'x.csv', label: 'y', imageSize: [2, 2] }, /unknown key "imageSize"/],
  ])('a bad dataset block %j is a config error', async (dataset, expected) => {
    await rejected(configFor(dataset), expected);
  });

  test('is-bench datasets --config describes the files: counts, shape, classes', async () => {
    const config = writeConfig(experiment({ format: 'csv', train: path.join(dir, 'data/train.csv'), test: path.join(dir, 'data/test.csv'), label: 'cultivar' }, MLP));
    const r = await runCli('datasets', '--config', config);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[1]).toMatch(/^train\s+found\s+96\s+30\s+4\s+3\s+\d/);
    expect(r.out).toContain('  label "cultivar": 3 classes: 0=barbera, 1=barolo, 2=grignolino');
  });
});
