/**
 * Run folders are untrusted input (copied between machines, merged by hand). A real run folder
 * is built once, then each case mutates a copy of it (paths that leave the folder, symlinks out,
 * names that are not names, huge, truncated, garbage and wrong-typed files, missing files) and
 * runs `resume` and `report` on it. Whatever the mutation: exit 0 or exit 2 with one line and no
 * stack, and nothing outside the folder is read, written or deleted.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { resolveExperiment } from '../src/config/load';
import { writeRepeatsGroup } from '../src/campaign/repeats-group';
import { runExperiment } from '../src/train/experiment';
import { runCli, smallExperiment, tempDir } from './helpers/cli';

// the real module object: src's `import * as fs` reads its functions from it at call time
// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs: typeof fs = require('fs');

const config = resolveExperiment(
  smallExperiment({
    epochs: 3,
    batchSize: 16,
    dataset: { name: 'synthetic', train: 64, test: 32, features: 4, classes: 3, separation: 1.5 },
  }),
  'test',
);

let base: string;

beforeAll(async () => {
  // stopped in epoch 2 of the uniform arm: both arms have one epoch and a checkpoint
  let polls = 0;
  const run = await runExperiment(config, { backend: 'cpu', outDir: tempDir(), shouldStop: () => ++polls > 16 });
  expect(run.summary.arms.map((a) => a.epochsCompleted)).toEqual([1, 1]);
  base = run.dir;
});

interface Sandbox {
  root: string;
  run: string;
  outside: string;
}

/** `<root>/run` (a copy of the base folder), `<root>/sentinel.txt` and `<root>/outside/` (copies of the folder's files, targets for links). */
function sandbox(): Sandbox {
  const root = tempDir('is-bench-folder-fuzz-');
  const run = path.join(root, 'run');
  const outside = path.join(root, 'outside');
  realFs.cpSync(base, run, { recursive: true });
  realFs.cpSync(base, outside, { recursive: true });
  realFs.writeFileSync(path.join(root, 'sentinel.txt'), 'do not touch\n');
  return { root, run, outside };
}

const digest = (file: string) => createHash('sha256').update(realFs.readFileSync(file)).digest('hex');

/** Every file and link outside the run folder with its content digest (or link target) and mtime. */
function outsideState(s: Sandbox): Record<string, string> {
  const state: Record<string, string> = {};
  for (const rel of realFs.readdirSync(s.root, { recursive: true, encoding: 'utf8' }).sort()) {
    if (rel === 'run' || rel.startsWith(`run${path.sep}`)) continue;
    const at = path.join(s.root, rel);
    const st = realFs.lstatSync(at);
    state[rel] = st.isSymbolicLink() ? `link ${realFs.readlinkSync(at)}` : st.isDirectory() ? 'dir' : `${digest(at)} ${st.mtimeMs}`;
  }
  return state;
}

const WATCHED = ['readFileSync', 'openSync', 'statSync', 'readdirSync', 'rmSync', 'unlinkSync', 'renameSync', 'writeFileSync', 'mkdirSync', 'copyFileSync', 'existsSync'] as const;

/** Runs `fn` recording the real path of every file the fs functions above are given. */
async function touched<T>(fn: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const paths: string[] = [];
  const spies = WATCHED.map((name) => {
    const original = realFs[name] as (...a: unknown[]) => unknown;
    return jest.spyOn(realFs, name as never).mockImplementation(((...args: unknown[]) => {
      for (const a of name === 'renameSync' || name === 'copyFileSync' ? args.slice(0, 2) : args.slice(0, 1)) {
        if (typeof a !== 'string') continue;
        let real = path.resolve(a);
        try {
          real = realFs.realpathSync(a);
        } catch {
          // not there: the path as given
        }
        paths.push(real);
      }
      return original.apply(realFs, args);
    }) as never);
  });
  try {
    return { result: await fn(), paths };
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}

type Expect = 2 | 'either';

/** resume and report on a mutated copy: exit 0 or 2 (one line, no stack), nothing outside touched. */
async function check(mutate: (s: Sandbox) => void, expected: { resume: Expect; report: Expect }): Promise<string[]> {
  const messages: string[] = [];
  for (const command of ['resume', 'report'] as const) {
    const s = sandbox();
    mutate(s);
    const before = outsideState(s);
    const { result, paths } = await touched(() => runCli(command, s.run, ...(command === 'resume' ? ['--no-progress'] : [])));
    const realRoot = realFs.realpathSync(s.root);
    const realRun = path.join(realRoot, 'run');
    const escaped = paths.filter((p) => p.startsWith(realRoot + path.sep) && p !== realRun && !p.startsWith(realRun + path.sep));
    expect({ command, escaped }).toEqual({ command, escaped: [] });
    expect(outsideState(s)).toEqual(before);
    const allowed = expected[command] === 2 ? [2] : [0, 2];
    expect({ command, code: allowed.includes(result.code) ? 'allowed' : result.code, err: result.err }).toEqual({ command, code: 'allowed', err: expect.any(String) });
    if (result.code === 2) {
      const lines = result.err.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^is-bench: /);
      // no raw control bytes or undecodable bytes reach the terminal
      expect(lines[0]).not.toMatch(/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/);
      messages.push(lines[0]);
    }
  }
  return messages;
}

const ckptJson = (s: Sandbox, arm = 'uniform') => path.join(s.run, 'checkpoints', `${arm}.json`);
const readJson = (file: string) => JSON.parse(realFs.readFileSync(file, 'utf8'));
const editJson = (file: string, edit: (doc: Record<string, unknown>) => void) => {
  const doc = readJson(file);
  edit(doc);
  realFs.writeFileSync(file, JSON.stringify(doc));
};
const editCheckpoint = (edit: (doc: Record<string, unknown>) => void) => (s: Sandbox) => editJson(ckptJson(s), edit);
const editSummary = (edit: (doc: Record<string, unknown>) => void) => (s: Sandbox) => editJson(path.join(s.run, 'summary.json'), edit);
const symlinkOut = (rel: string) => (s: Sandbox) => {
  realFs.rmSync(path.join(s.run, rel), { recursive: true });
  realFs.symlinkSync(path.join(s.outside, rel), path.join(s.run, rel));
};
/** A sparse file far above any cap: costs no disk, and reading it would take the memory. */
const huge = (rel: string, bytes = 2 ** 30) => (s: Sandbox) => {
  const fd = realFs.openSync(path.join(s.run, rel), 'w');
  realFs.writeSync(fd, '{"tool":"is-bench",');
  realFs.ftruncateSync(fd, bytes);
  realFs.closeSync(fd);
};
const truncate = (rel: string, keep: (size: number) => number) => (s: Sandbox) => {
  const file = path.join(s.run, rel);
  realFs.truncateSync(file, keep(realFs.statSync(file).size));
};
const garbage = (rel: string) => (s: Sandbox) => realFs.writeFileSync(path.join(s.run, rel), Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x0a, 0xc3, 0x28, 0x7f, 0x22]));
const bin = 'checkpoints/uniform.e1.bin';
const both2 = { resume: 2, report: 2 } as const;
const resume2 = { resume: 2, report: 'either' } as const;
const either = { resume: 'either', report: 'either' } as const;

describe('checkpoint JSON', () => {
  test.each<[string, (s: Sandbox) => void]>([
    ['binFile ../ to a valid copy outside', editCheckpoint((d) => (d.binFile = '../../outside/checkpoints/uniform.e1.bin'))],
    ['binFile absolute, to a valid copy outside', (s) => editJson(ckptJson(s), (d) => (d.binFile = path.join(s.outside, bin)))],
    ['binFile in a subfolder', editCheckpoint((d) => (d.binFile = 'sub/uniform.e1.bin'))],
    ['binFile of another arm', editCheckpoint((d) => (d.binFile = 'importance.e1.bin'))],
    ['binFile a number', editCheckpoint((d) => (d.binFile = 42))],
    ['arm names another arm', editCheckpoint((d) => (d.arm = '../importance'))],
    ['weights not an array', editCheckpoint((d) => (d.weights = 'all of them'))],
    ['a weight of a huge shape', editCheckpoint((d) => ((d.weights as { shape: number[] }[])[0].shape = [1e9, 1e9]))],
    ['a weight offset past the binary', editCheckpoint((d) => ((d.weights as { offset: number }[])[1].offset = 1e12))],
    ['a negative offset', editCheckpoint((d) => ((d.weights as { offset: number }[])[1].offset = -4))],
    ['an optimizer slot of the wrong shape', editCheckpoint((d) => ((d.optimizer as { shape: number[] }[]).find((e) => e.shape.length > 0)!.shape = [7]))],
    ['epochsCompleted a string', editCheckpoint((d) => (d.epochsCompleted = 'one'))],
    ['epochsCompleted beyond the experiment', editCheckpoint((d) => (d.epochsCompleted = 99))],
    ['binBytes larger than the file', editCheckpoint((d) => (d.binBytes = (d.binBytes as number) + 4))],
    ['random state null', editCheckpoint((d) => (d.dataRng = null))],
    ['random state of strings', editCheckpoint((d) => (d.dropoutRng = { c: 'a', s0: 'b', s1: 'c', s2: 'd' }))],
    ['strategy state a string', editCheckpoint((d) => (d.strategy = 'garbage'))],
    ['format 1 (an older is-bench)', editCheckpoint((d) => (d.format = 1))],
    ['no format', editCheckpoint((d) => delete d.format)],
    ['truncated JSON', truncate('checkpoints/uniform.json', (n) => Math.floor(n / 2))],
    ['empty JSON file', truncate('checkpoints/uniform.json', () => 0)],
    ['garbage bytes', garbage('checkpoints/uniform.json')],
    ['a JSON array', (s) => realFs.writeFileSync(ckptJson(s), '[1,2,3]')],
    ['1 GiB (sparse)', huge('checkpoints/uniform.json')],
    ['a symlink to a copy outside', symlinkOut('checkpoints/uniform.json')],
    ['a folder in its place', (s) => { realFs.rmSync(ckptJson(s)); realFs.mkdirSync(ckptJson(s)); }],
  ])('%s: resume refuses it', async (_label, mutate) => {
    const [message] = await check(mutate, resume2);
    expect(message).toMatch(/checkpoints[/\\]uniform/);
  });

  test('missing: the arm starts over (no refusal, nothing outside touched)', async () => {
    await check((s) => realFs.rmSync(ckptJson(s)), either);
  });
});

describe('checkpoint binary', () => {
  test.each<[string, (s: Sandbox) => void, RegExp]>([
    ['bytes overwritten, size unchanged', (s) => { const f = path.join(s.run, bin); const b = realFs.readFileSync(f); b[9] ^= 0x40; realFs.writeFileSync(f, b); }, /damaged checkpoint .*uniform\.e1\.bin: its sha256 differs/],
    ['truncated by one byte', truncate(bin, (n) => n - 1), /damaged checkpoint .*uniform\.e1\.bin: .*truncated/],
    ['truncated to nothing', truncate(bin, () => 0), /damaged checkpoint .*uniform\.e1\.bin/],
    ['longer than written', (s) => realFs.appendFileSync(path.join(s.run, bin), Buffer.alloc(8)), /damaged checkpoint .*uniform\.e1\.bin: .*longer than written/],
    ['missing', (s) => realFs.rmSync(path.join(s.run, bin)), /damaged checkpoint .*its binary uniform\.e1\.bin is missing/],
    ['a symlink to a valid copy outside', symlinkOut(bin), /symbolic link/],
    ['the checkpoints folder a symlink to a copy outside', symlinkOut('checkpoints'), /symbolic link/],
    ['1 GiB (sparse)', huge(bin), /damaged checkpoint .*uniform\.e1\.bin: 1073741824 bytes/],
  ])('%s: resume refuses it', async (_label, mutate, message) => {
    const [line] = await check(mutate, resume2);
    expect(line).toMatch(message);
  });
});

describe('summary.json', () => {
  test.each<[string, (s: Sandbox) => void]>([
    ['an arm named ..', editSummary((d) => ((d.arms as { name: string }[])[0].name = '..'))],
    ['an arm named a/b', editSummary((d) => ((d.arms as { name: string }[])[0].name = 'a/b'))],
    ['an arm named by an absolute path', editSummary((d) => ((d.arms as { name: string }[])[0].name = '/etc/passwd'))],
    ['a config arm named ../x', editSummary((d) => ((d.config as { arms: { name: string }[] }).arms[0].name = '../x'))],
    ['a config arm named with a NUL', editSummary((d) => ((d.config as { arms: { name: string }[] }).arms[0].name = 'uni\u0000form'))],
    ['the experiment named ..', editSummary((d) => (d.experiment = '..'))],
    ['seed a string', editSummary((d) => (d.seed = 'seven'))],
    ['arms not a list', editSummary((d) => (d.arms = 5))],
    ['config null', editSummary((d) => (d.config = null))],
    ['truncated', truncate('summary.json', (n) => Math.floor(n / 3))],
    ['garbage bytes', garbage('summary.json')],
    ['1 GiB (sparse)', huge('summary.json')],
    ['a symlink to a copy outside', symlinkOut('summary.json')],
    ['missing', (s) => realFs.rmSync(path.join(s.run, 'summary.json'))],
  ])('%s: resume and report refuse it', async (_label, mutate) => {
    const lines = await check(mutate, both2);
    for (const line of lines) expect(line).toMatch(/summary\.json|run\b/);
  });

  test('a config arm renamed to a plain name without checkpoint or CSV: that arm starts over', async () => {
    await check(editSummary((d) => ((d.config as { arms: { name: string }[] }).arms[0].name = 'other')), either);
  });
});

describe('epoch CSV', () => {
  test.each<[string, (s: Sandbox) => void, Expect]>([
    ['a symlink to a copy outside', symlinkOut('uniform.csv'), 2],
    ['garbage bytes', garbage('uniform.csv'), 2],
    ['a non-number cell of control bytes', (s) => realFs.writeFileSync(path.join(s.run, 'uniform.csv'), realFs.readFileSync(path.join(s.run, 'uniform.csv'), 'utf8').replace(/\n(\d)/, '\n\u001b[2J\u0007$1')), 2],
    ['1 GiB (sparse)', huge('uniform.csv'), 2],
    ['only the header (fewer rows than the checkpoint)', (s) => { const f = path.join(s.run, 'uniform.csv'); realFs.writeFileSync(f, realFs.readFileSync(f, 'utf8').split('\n')[0] + '\n'); }, 'either'],
    ['missing', (s) => realFs.rmSync(path.join(s.run, 'uniform.csv')), 'either'],
  ])('%s', async (_label, mutate, report) => {
    const [line] = await check(mutate, { resume: 2, report });
    expect(line).toMatch(/uniform\.csv/);
  });
});

describe('temp files', () => {
  test('links planted at the names of temp files are never followed', async () => {
    await check((s) => {
      for (const name of ['summary.json', 'uniform.csv', 'importance.csv', 'summary.md', 'report.html']) {
        for (let i = 0; i < 200; i++) realFs.symlinkSync(path.join(s.root, 'sentinel.txt'), path.join(s.run, `.${name}.${process.pid}.${i}.tmp`));
      }
    }, either);
  });
});

describe('repeats group folder', () => {
  const group = (seedFolder: (s: Sandbox, dir: string) => void, edit?: (doc: Record<string, unknown>) => void) => (s: Sandbox) => {
    // the run becomes seed-1 of a group whose folder is the sandbox's run folder
    const tmp = path.join(s.root, 'seed-copy');
    realFs.renameSync(s.run, tmp);
    realFs.mkdirSync(s.run);
    writeRepeatsGroup(s.run, { tool: 'is-bench', kind: 'repeats', experiment: config.name, seeds: [config.seed], config, checkpoint: true });
    seedFolder(s, tmp);
    if (edit) editJson(path.join(s.run, 'group.json'), edit);
  };
  const asSeed = (s: Sandbox, dir: string) => realFs.renameSync(dir, path.join(s.run, `seed-${config.seed}`));

  test('a seed folder that is a symlink out: refused', async () => {
    const [line] = await check(group((s, dir) => { realFs.renameSync(dir, path.join(s.outside, 'seed')); realFs.symlinkSync(path.join(s.outside, 'seed'), path.join(s.run, `seed-${config.seed}`)); }), resume2);
    expect(line).toMatch(/symbolic link/);
  });

  test.each<[string, (doc: Record<string, unknown>) => void]>([
    ['seeds negative', (d) => (d.seeds = [-1])],
    ['seeds strings', (d) => (d.seeds = ['../x'])],
    ['config arms named ..', (d) => ((d.config as { arms: { name: string }[] }).arms[0].name = '..')],
    ['kind wrong', (d) => (d.kind = 'sweep')],
  ])('group.json with %s: refused', async (_label, edit) => {
    const [line] = await check(group(asSeed, edit), resume2);
    expect(line).toMatch(/group\.json/);
  });

  test('a well-formed group resumes its seed (the control case)', async () => {
    const s = sandbox();
    group(asSeed)(s);
    const r = await runCli('resume', s.run, '--no-progress');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

test('random values in random checkpoint fields: exit 0 or one-line exit 2, nothing outside touched', async () => {
  const value = fc.oneof(
    fc.constantFrom(null, true, -1, 0, 1.5, 1e300, '', '..', '/etc/passwd', '../../outside/x', [], {}, [[1e9]], { c: 1 }),
    fc.string({ maxLength: 10 }),
    fc.integer(),
  );
  const key = fc.constantFrom('format', 'arm', 'epochsCompleted', 'status', 'stopReason', 'wallTime', 'dataRng', 'dropoutRng', 'strategy', 'binFile', 'binBytes', 'binSha256', 'weights', 'optimizer');
  await fc.assert(
    fc.asyncProperty(key, value, async (k, v) => {
      await check(editCheckpoint((d) => (d[k] = v)), either);
    }),
    { numRuns: 25 },
  );
});
