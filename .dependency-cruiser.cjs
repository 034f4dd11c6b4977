/**
 * The layers of src/, bottom to top, and the imports they may make (checked by
 * test/dependencies.test.ts):
 *
 *   spec.ts, errors.ts, rng.ts   contracts; import nothing of the product
 *   io/                          atomic writes, paths inside a folder
 *   engine/                      tfjs backends and native kernels: a leaf
 *   data/ models/ sampling/      datasets, model builders, strategies
 *   config/                      experiment and sweep files
 *   record/                      what a run writes while it runs: CSV, summary.json, progress
 *   train/                       the training loop
 *   report/                      what is computed afterwards from the files: analysis, documents, renderers
 *   campaign/                    runs, repeats, resume, sweeps, reproductions: the library's entry points
 *   cli/                         commander: options in, one campaign call, text out
 */
const layer = (name, forbidden, comment) => ({
  name: `${name}-layer`,
  comment,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: { path: `^src/(${forbidden.join('|')})(/|\\.ts$)` },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'import cycles', from: {}, to: { circular: true } },
    {
      name: 'contracts-are-leaves',
      severity: 'error',
      comment: 'spec.ts, errors.ts and rng.ts import nothing of the product but each other',
      from: { path: '^src/(spec|errors|rng)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(spec|errors|rng)\\.ts$' },
    },
    layer('io', ['engine', 'data', 'models', 'sampling', 'config', 'record', 'train', 'report', 'campaign', 'cli', 'index'], 'io knows no product layer'),
    layer('engine', ['io', 'data', 'models', 'sampling', 'config', 'record', 'train', 'report', 'campaign', 'cli', 'index'], 'the engine is a leaf'),
    layer('sampling', ['engine', 'data', 'models', 'config', 'record', 'train', 'report', 'campaign', 'cli', 'index'], 'strategies are pure: no files, no tensors'),
    layer('data', ['engine', 'models', 'sampling', 'config', 'record', 'train', 'report', 'campaign', 'cli', 'index'], 'datasets know only the contracts'),
    layer('models', ['data', 'sampling', 'record', 'train', 'report', 'campaign', 'cli', 'index'], 'models may use the engine and the config schema'),
    layer('config', ['engine', 'record', 'train', 'report', 'campaign', 'cli', 'index'], 'configs are read before anything runs'),
    layer('record', ['engine', 'data', 'models', 'sampling', 'train', 'report', 'campaign', 'cli', 'index'], 'what a run writes knows no tensors'),
    layer('train', ['report', 'campaign', 'cli', 'index'], 'the loop writes records, never reports'),
    layer('report', ['engine', 'data', 'models', 'sampling', 'train', 'campaign', 'cli', 'index'], 'reports read only files'),
    layer('campaign', ['cli', 'index'], 'the library does not depend on its CLI'),
    {
      name: 'data-registry-on-top',
      severity: 'error',
      comment: 'in src/data the registry imports the datasets; only status and fetch (which look datasets up by name) import the registry',
      from: { path: '^src/data/', pathNot: '^src/data/(status|fetch)\\.ts$' },
      to: { path: '^src/data/registry\\.ts$' },
    },
    {
      name: 'no-helpers-in-datasets',
      severity: 'error',
      comment: 'shared helpers do not live in a dataset module: only the registry imports one',
      from: { path: '^src/', pathNot: '^src/data/registry\\.ts$' },
      to: { path: '^src/data/(mnist|fashion-mnist|cifar10|reuters|imdb|synthetic)\\.ts$' },
    },
    {
      name: 'only-cli-uses-commander',
      severity: 'error',
      comment: 'command-line parsing stays in src/cli',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: 'node_modules/commander/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    exclude: { path: '\\.test\\.ts$' },
  },
};
