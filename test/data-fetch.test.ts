/**
 * Downloads are all or nothing, and offline means no connection: a transfer that fails part way
 * leaves no datasets/<name>/ (empty or partial) and no staging folder behind; with
 * IS_BENCH_OFFLINE set, `datasets fetch` makes no request and says where to put the files.
 */
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { downloadInto } from '../src/data/download';
import { fetchDataset } from '../src/data/fetch';
import { findCopy, type DatasetSources, type LookupContext } from '../src/data/locate';
import { UserError } from '../src/errors';
import { tempDir } from './helpers/data-fixtures';

const ROOT = path.join(__dirname, '..');
const good = Buffer.from('the first file, whole\n'.repeat(100));
const goodSha = crypto.createHash('sha256').update(good).digest('hex');
const quiet = { log: () => undefined, progressBar: false };

let server: http.Server;
let base = '';
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    if (req.url?.endsWith('/good.bin')) {
      res.writeHead(200, { 'content-length': String(good.length) });
      res.end(good);
    } else {
      // promises 100 kB, sends 4 kB, then drops the connection: a transfer that fails mid-stream
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(4096, 7), () => res.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function machine(env: Record<string, string> = {}): LookupContext {
  const root = tempDir('isb-fetch-');
  fs.mkdirSync(path.join(root, 'project', 'datasets'), { recursive: true });
  fs.mkdirSync(path.join(root, 'home'));
  return { env, home: path.join(root, 'home'), projectRoot: path.join(root, 'project') };
}

describe('downloads are all or nothing', () => {
  test('a second file that breaks off mid-stream leaves neither the folder nor the first file nor a staging folder', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'toy');
    const files = [
      { url: `${base}/good.bin`, name: 'good.bin', sha256: goodSha },
      { url: `${base}/broken.bin`, name: 'broken.bin', sha256: goodSha },
    ];
    const before = requests;
    const err = await downloadInto(dir, files, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/broken\.bin (failed after|stopped early)/);
    expect(requests - before).toBe(2); // both were tried
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  test('a folder that was already there keeps exactly what it held', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'toy');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'mine.txt'), 'kept');
    await expect(downloadInto(dir, [{ url: `${base}/broken.bin`, name: 'good.bin', sha256: goodSha }], quiet)).rejects.toThrow(UserError);
    expect(fs.readdirSync(parent)).toEqual(['toy']);
    expect(fs.readdirSync(dir)).toEqual(['mine.txt']);
  });

  test('every file verified: all of them are moved in, and a dead download staging folder is cleared', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'toy');
    // what a download killed with SIGKILL leaves: a staging folder of a process that is gone
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.mkdirSync(path.join(parent, `.toy.download-${dead}`));
    fs.writeFileSync(path.join(parent, `.toy.download-${dead}`, 'good.bin.part'), 'half');
    const written = await downloadInto(dir, [{ url: `${base}/good.bin`, name: 'good.bin', sha256: goodSha }], quiet);
    expect(written).toEqual([path.join(dir, 'good.bin')]);
    expect(fs.readFileSync(path.join(dir, 'good.bin')).equals(good)).toBe(true);
    expect(fs.readdirSync(parent)).toEqual(['toy']);
  });

  test('the lookup download and `datasets fetch` through a failing mirror leave datasets/ empty', async () => {
    const m = machine();
    const sources: DatasetSources = {
      forms: [{ kind: 'archive', name: 'good.bin', dir: false, distinctive: true, label: 'test payload' }],
      download: { files: [{ url: `${base}/good.bin`, name: 'good.bin', sha256: goodSha, bytes: good.length }, { url: `${base}/broken.bin`, name: 'broken.bin', sha256: goodSha, bytes: 1 }] },
    };
    await expect(findCopy('toy', sources, { log: () => undefined }, m)).rejects.toThrow(UserError);
    await expect(fetchDataset('cifar10', { ...quiet, baseUrl: `${base}/mirror`, context: m })).rejects.toThrow(/cifar-10-binary\.tar\.gz (failed after|stopped early)/);
    expect(fs.readdirSync(path.join(m.projectRoot, 'datasets'))).toEqual([]);
  });
});

describe('offline', () => {
  test('IS_BENCH_OFFLINE: fetchDataset makes no request and names the folder and the files', async () => {
    for (const value of ['1', 'yes', 'true']) {
      const m = machine({ IS_BENCH_OFFLINE: value });
      const before = requests;
      const err = await fetchDataset('mnist', { ...quiet, baseUrl: base, context: m }).catch((e: unknown) => e);
      expect(requests).toBe(before);
      expect(err).toBeInstanceOf(UserError);
      const dir = path.join(m.projectRoot, 'datasets', 'mnist');
      expect((err as Error).message).toContain(`IS_BENCH_OFFLINE is set, so \`is-bench datasets fetch mnist\` downloads nothing: put train-images-idx3-ubyte.gz`);
      expect((err as Error).message).toContain(`into ${dir} by hand`);
      expect(fs.readdirSync(path.join(m.projectRoot, 'datasets'))).toEqual([]);
    }
  });

  test('IS_BENCH_OFFLINE=1 is-bench datasets fetch: exit 2, one line, no connection to the mirror', async () => {
    const datasets = path.join(ROOT, 'datasets', 'reuters');
    const existed = fs.existsSync(datasets);
    const before = requests;
    // spawned asynchronously so that this process' server would answer (and count) a request
    const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'is-bench'), 'datasets', 'fetch', 'reuters'], {
        env: { ...process.env, IS_BENCH_OFFLINE: '1', IS_BENCH_MIRROR: base },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stderr }));
    });
    expect(requests).toBe(before);
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/IS_BENCH_OFFLINE is set, so `is-bench datasets fetch reuters` downloads nothing: put reuters21578\.tar\.gz/);
    expect(fs.existsSync(datasets)).toBe(existed);
  });
});
