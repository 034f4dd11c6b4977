/**
 * An output folder that cannot be written, or a disk that fills up: exit code 2 and one line
 * naming the folder or file, before training when it can be known then, and never a stack trace.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { UserError } from '../src/errors';
import { isTempFile, writeFileAtomic } from '../src/io/files';
import { runCli, smallExperiment, tempDir, writeConfig } from './helpers/cli';

/** The fs module itself (an `import * as` namespace has read-only bindings that jest cannot spy on). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('fs') as typeof fs;

const created: string[] = [];
function scratch(): string {
  const dir = tempDir('is-bench-out-');
  created.push(dir);
  return dir;
}

/** A tiny tmpfs (as root on Linux); undefined, with the reason printed, where mounting is not allowed. */
function mountTmpfs(options: string): string | undefined {
  const dir = scratch();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
    mounts.push(dir);
    return dir;
  } catch (e) {
    console.warn(`skipping a tmpfs test: cannot mount a tmpfs here (${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()})`);
    return undefined;
  }
}
const mounts: string[] = [];

afterAll(() => {
  for (const dir of mounts) execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** Fills a file system until only `freeBytes` are left. */
function fillLeaving(dir: string, freeBytes: number): void {
  const { bavail, bsize } = fs.statfsSync(dir);
  fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(bavail * bsize - freeBytes));
  expect(fs.statfsSync(dir).bavail * bsize).toBe(freeBytes);
}

function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]) : [];
}

/** Runs the small experiment into `out`; checks exit 2, one line, no stack trace. */
async function runInto(out: string, config = writeConfig(smallExperiment())): Promise<string> {
  const r = await runCli('run', config, '--out', out, '--backend', 'cpu', '--no-progress');
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('an output folder that cannot be written fails before training', () => {
  test('--out below a regular file', async () => {
    const file = path.join(scratch(), 'a-file');
    fs.writeFileSync(file, 'not a folder');
    const line = await runInto(path.join(file, 'results'));
    expect(line).toBe(
      `is-bench: --out ${path.join(file, 'results', 'tiny')}: cannot write there: a part of the path is a file, not a folder (ENOTDIR); choose another folder with --out`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('not a folder');
  });

  test('--out where the experiment folder would be is a regular file', async () => {
    const out = scratch();
    fs.writeFileSync(path.join(out, 'tiny'), 'in the way');
    const line = await runInto(out);
    expect(line).toMatch(/^is-bench: --out .*tiny: cannot write there: .*\((EEXIST|ENOTDIR)\); choose another folder with --out$/);
  });

  test('--out in /proc, where no folder can be created', async () => {
    if (!fs.existsSync('/proc/self')) return void console.warn('skipping: no /proc on this system');
    const line = await runInto('/proc/is-bench-results');
    expect(line).toMatch(/^is-bench: --out \/proc\/is-bench-results\/tiny: cannot write there: .*\(E[A-Z]+\); choose another folder with --out$/);
  });

  test('--out that is empty would mean the working directory: rejected', async () => {
    const cwd = process.cwd();
    process.chdir(scratch()); // had it been accepted, its folder lands here and not in the checkout
    try {
      const line = await runInto('');
      expect(line).toBe("error: option '--out <dir>' argument '' is invalid. expected a folder path.");
      expect(fs.readdirSync('.')).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  const isRoot = process.getuid?.() === 0;
  (isRoot ? test.skip : test)('--out below a folder without write permission (chmod 555; root ignores it)', async () => {
    const parent = scratch();
    fs.chmodSync(parent, 0o555);
    try {
      const line = await runInto(path.join(parent, 'results'));
      expect(line).toMatch(/cannot write there: permission denied \(EACCES\); choose another folder with --out$/);
    } finally {
      fs.chmodSync(parent, 0o755);
    }
  });
  if (isRoot) console.warn('skipping the chmod 555 test: running as root, which writes regardless of permission bits (the read-only mount test covers it)');

  test('--out on a read-only file system', async () => {
    const dir = mountTmpfs('size=64k,ro');
    if (!dir) return;
    const line = await runInto(path.join(dir, 'results'));
    expect(line).toBe(`is-bench: --out ${path.join(dir, 'results', 'tiny')}: cannot write there: read-only file system (EROFS); choose another folder with --out`);
  });

  test('--out on a full disk', async () => {
    const dir = mountTmpfs('size=64k');
    if (!dir) return;
    fs.mkdirSync(path.join(dir, 'results'));
    fillLeaving(dir, 0);
    const line = await runInto(path.join(dir, 'results'));
    expect(line).toBe(`is-bench: --out ${path.join(dir, 'results', 'tiny')}: cannot write there: no space left on the device (ENOSPC); free some space or choose another folder with --out`);
    expect(filesUnder(path.join(dir, 'results')).filter((f) => path.basename(f) !== 'tiny')).toEqual([]);
  });
});

describe('a disk that fills up during the run', () => {
  let disk: string | undefined | null = null;
  // free pages (4 kB) at the start: enough for the probe and the first summary.json; then, as the
  // run goes on, a CSV, a checkpoint's weights, its JSON and the report each meet the full disk
  test.each([3, 4, 5, 12])('%i pages free: the failing write is a UserError naming the file; no temp files; what is on disk parses', async (pages) => {
    if (disk === null) disk = mountTmpfs('size=64k');
    if (!disk) return;
    const out = path.join(disk, 'results');
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(path.join(disk, 'filler'), { force: true });
    fs.mkdirSync(out);
    fillLeaving(disk, pages * 4096);
    const line = await runInto(out);
    expect(line).toMatch(new RegExp(`^is-bench: ${out}/tiny/[^ ]+: cannot write: no space left on the device \\(ENOSPC\\); free some space$`));
    expect(filesUnder(out).filter((f) => isTempFile(path.basename(f)))).toEqual([]);
    const [runId] = fs.readdirSync(path.join(out, 'tiny'));
    const runDir = path.join(out, 'tiny', runId);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8')).experiment).toBe('tiny');
    for (const csv of fs.readdirSync(runDir).filter((f) => f.endsWith('.csv'))) {
      expect(() => parse(fs.readFileSync(path.join(runDir, csv), 'utf8'), { columns: true })).not.toThrow();
    }
  });

  test('after space is freed, resume finishes the run with the metrics of an uninterrupted one', async () => {
    const dir = mountTmpfs('size=2m');
    if (!dir) return;
    const out = path.join(dir, 'results');
    fs.mkdirSync(out);
    fillLeaving(dir, 10 * 4096); // full during the second epoch's checkpoints
    const config = writeConfig(smallExperiment({ epochs: 3 }));
    expect(await runInto(out, config)).toMatch(/cannot write: no space left on the device \(ENOSPC\)/);
    fs.rmSync(path.join(dir, 'filler'));
    const runDir = (root: string) => path.join(root, 'tiny', fs.readdirSync(path.join(root, 'tiny'))[0]);
    const resumed = await runCli('resume', runDir(out), '--no-progress');
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    const freshOut = scratch();
    expect((await runCli('run', config, '--out', freshOut, '--backend', 'cpu', '--no-progress')).code).toBe(0);
    const metrics = (root: string, arm: string) =>
      (parse(fs.readFileSync(path.join(runDir(root), `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[]).map(
        ({ epoch, loss, accuracy, val_loss, val_accuracy, steps }) => ({ epoch, loss, accuracy, val_loss, val_accuracy, steps }),
      );
    for (const arm of ['uniform', 'importance']) {
      expect(metrics(out, arm)).toHaveLength(3);
      expect(metrics(out, arm)).toEqual(metrics(freshOut, arm));
    }
  });

  test('writeFileAtomic: ENOSPC, EACCES and EROFS become UserErrors naming the file; the temp file is removed', () => {
    const dir = scratch();
    const file = path.join(dir, 'summary.json');
    for (const [code, reason] of [
      ['ENOSPC', 'no space left on the device (ENOSPC); free some space'],
      ['EACCES', 'permission denied (EACCES); choose a folder you can write to'],
      ['EROFS', 'read-only file system (EROFS); choose a folder you can write to'],
    ]) {
      const real = nodeFs.writeFileSync;
      const spy = jest.spyOn(nodeFs, 'writeFileSync').mockImplementation((target, data) => {
        real(target, String(data).slice(0, 3)); // a partial temp file, as a full disk leaves it
        throw Object.assign(new Error(`${code}: simulated`), { code });
      });
      try {
        expect(() => writeFileAtomic(file, '{"a": 1}')).toThrow(new UserError(`${file}: cannot write: ${reason}`));
      } finally {
        spy.mockRestore();
      }
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });

  test('writeFileAtomic: an error that is not the machine\'s stays a bug (rethrown as it is)', () => {
    const file = path.join(scratch(), 'x.json');
    const spy = jest.spyOn(nodeFs, 'renameSync').mockImplementation(() => {
      throw new TypeError('a bug');
    });
    try {
      expect(() => writeFileAtomic(file, 'x')).toThrow(TypeError);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });
});
