import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { UserError } from '../src/errors';
import { downloadFile } from '../src/data/download';
import { fetchDataset } from '../src/data/fetch';
import { findCopy, locateCopy, type DatasetSources, type LookupContext } from '../src/data/locate';
import { getDataset } from '../src/data/registry';
import { describeDatasets, formatDatasetStatus } from '../src/data/status';
import { tempDir } from './helpers/data-fixtures';

/** A fake machine: project root, home and environment all in a temp folder. */
function machine(env: Record<string, string> = {}): LookupContext & { root: string } {
  const root = tempDir('isb-machine-');
  fs.mkdirSync(path.join(root, 'project', 'datasets'), { recursive: true });
  fs.mkdirSync(path.join(root, 'home'), { recursive: true });
  return { root, env, home: path.join(root, 'home'), projectRoot: path.join(root, 'project') };
}

function touch(p: string, content = 'x'): string {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

const IDX_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
const idxFolder = (dir: string) => IDX_FILES.forEach((f) => touch(path.join(dir, f)));

const imdb = getDataset('imdb').sources!;
const mnist = getDataset('mnist').sources!;
const fashion = getDataset('fashion-mnist').sources!;

describe('lookup order', () => {
  test('path > --data-dir > IS_BENCH_DATA > project datasets/ > Keras cache, each only when the earlier ones have none', () => {
    const m = machine();
    const keras = touch(path.join(m.home, '.keras', 'datasets', 'imdb.npz'));
    const where = (request = {}) => locateCopy('imdb', imdb, request, m).found;
    expect(where()).toMatchObject({ place: 'keras-cache', path: keras, form: { kind: 'npz' } });

    const project = touch(path.join(m.projectRoot, 'datasets', 'imdb', 'aclImdb_v1.tar.gz'));
    expect(where()).toMatchObject({ place: 'project', path: project });

    const shared = path.join(m.root, 'shared');
    const envCopy = touch(path.join(shared, 'aclImdb.tar.gz')); // a published name, directly in the folder
    m.env.IS_BENCH_DATA = shared;
    expect(where()).toMatchObject({ place: 'IS_BENCH_DATA', path: envCopy, form: { kind: 'archive' } });

    const dataDir = path.join(m.root, 'data-dir');
    const dirCopy = touch(path.join(dataDir, 'imdb', 'imdb.npz'));
    expect(where({ dataDir })).toMatchObject({ place: 'data-dir', path: dirCopy });

    const explicit = touch(path.join(m.root, 'elsewhere', 'my-imdb.tar.gz'));
    expect(where({ dataDir, path: explicit })).toMatchObject({ place: 'path', path: explicit, form: { kind: 'archive' } });
  });

  test('packaged copies come after the project folder and before the Keras cache', () => {
    const m = machine();
    const pkg = path.join(m.root, 'pkg');
    idxFolder(pkg);
    const sources: DatasetSources = { ...fashion, packaged: [{ label: 'test package', dir: () => pkg, install: 'apt-get install it' }] };
    idxFolder(path.join(m.home, '.keras', 'datasets', 'fashion-mnist'));
    expect(locateCopy('fashion-mnist', sources, {}, m).found).toMatchObject({ place: 'package', path: pkg });
    idxFolder(path.join(m.projectRoot, 'datasets', 'fashion-mnist'));
    expect(locateCopy('fashion-mnist', sources, {}, m).found).toMatchObject({ place: 'project' });
  });

  test('IDX files, whose names do not say which dataset they are, count only in a <name>/ folder', () => {
    const m = machine();
    const shared = path.join(m.root, 'shared');
    idxFolder(shared); // MNIST files dumped directly in IS_BENCH_DATA
    m.env.IS_BENCH_DATA = shared;
    const noPackage = { ...fashion, packaged: [] };
    expect(locateCopy('fashion-mnist', noPackage, {}, m).found).toBeUndefined();
    idxFolder(path.join(shared, 'fashion-mnist'));
    expect(locateCopy('fashion-mnist', noPackage, {}, m).found).toMatchObject({ place: 'IS_BENCH_DATA', path: path.join(shared, 'fashion-mnist') });
  });

  test('$KERAS_HOME moves the Keras cache; incomplete IDX folders do not count', () => {
    const m = machine();
    const kerasHome = path.join(m.root, 'kh');
    m.env.KERAS_HOME = kerasHome;
    const sources = { ...mnist, packaged: [] };
    touch(path.join(kerasHome, 'datasets', 'mnist', IDX_FILES[0]));
    expect(locateCopy('mnist', sources, {}, m).found).toBeUndefined();
    const npz = touch(path.join(kerasHome, 'datasets', 'mnist.npz'));
    expect(locateCopy('mnist', sources, {}, m).found).toMatchObject({ place: 'keras-cache', path: npz });
  });

  test('an explicit path that does not hold the dataset is an error, not a fall-through', () => {
    const m = machine();
    touch(path.join(m.home, '.keras', 'datasets', 'imdb.npz'));
    expect(() => locateCopy('imdb', imdb, { path: path.join(m.root, 'nope') }, m)).toThrow(/dataset\.path .*nope does not exist/);
    const wrong = touch(path.join(m.root, 'notes.txt'));
    expect(() => locateCopy('imdb', imdb, { path: wrong }, m)).toThrow(/notes\.txt is not a copy of imdb/);
    expect(() => locateCopy('imdb', imdb, { path: m.projectRoot }, m)).toThrow(/holds no copy of imdb \(expected one of: imdb\.npz, aclImdb_v1\.tar\.gz/);
  });

  test('nothing found: a UserError listing every place looked and how to supply it', async () => {
    const m = machine({ IS_BENCH_OFFLINE: '1' });
    const err = await findCopy('imdb', imdb, { log: () => undefined }, m).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toContain('dataset imdb: no copy found');
    expect(msg).toContain('IS_BENCH_DATA: (not set)');
    expect(msg).toContain(path.join(m.projectRoot, 'datasets', 'imdb'));
    expect(msg).toContain(path.join(m.home, '.keras', 'datasets'));
    expect(msg).toContain('https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz -> not attempted (downloads are off)');
    expect(msg).toContain('is-bench datasets fetch imdb');
  });
});

describe('downloads (local HTTP server on 127.0.0.1 only)', () => {
  const payload = crypto.randomBytes(200_000);
  const sha = crypto.createHash('sha256').update(payload).digest('hex');
  let server: http.Server;
  let base: string;
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests++;
      if (req.url?.endsWith('/payload.bin') || req.url?.startsWith('/mirror/')) {
        res.writeHead(200, { 'content-length': String(payload.length) });
        res.end(payload);
      } else if (req.url?.endsWith('/stall.bin')) {
        // headers and a first chunk, then nothing: the idle timeout must end the download
        res.writeHead(200, { 'content-length': '1000' });
        res.write(Buffer.alloc(10));
        setTimeout(() => res.destroy(), 2000).unref();
      } else {
        res.writeHead(404);
        res.end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('downloads, checks the sha256 and keeps the file', async () => {
    const dest = path.join(tempDir(), 'sub', 'payload.bin');
    const lines: string[] = [];
    await downloadFile(`${base}/payload.bin`, dest, sha, { log: (l) => lines.push(l), progressBar: false });
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
    expect(lines[0]).toContain(`${base}/payload.bin`);
  });

  test('a checksum mismatch or an HTTP error keeps nothing and says why', async () => {
    const dir = tempDir();
    const dest = path.join(dir, 'payload.bin');
    await expect(downloadFile(`${base}/payload.bin`, dest, '0'.repeat(64), { log: () => undefined, progressBar: false })).rejects.toThrow(
      /does not match the published checksum: sha256 [0-9a-f]{64}, expected 0{64}/,
    );
    await expect(downloadFile(`${base}/missing.bin`, dest, sha, { log: () => undefined, progressBar: false })).rejects.toThrow(/HTTP 404/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a stalled transfer times out and an unwritable destination is a UserError', async () => {
    const dir = tempDir();
    await expect(
      downloadFile(`${base}/stall.bin`, path.join(dir, 'stall.bin'), sha, { log: () => undefined, progressBar: false, idleTimeoutMs: 200 }),
    ).rejects.toThrow(/stall\.bin failed after 10 B: no data received for too long/);
    const blocker = touch(path.join(dir, 'a-file'));
    await expect(downloadFile(`${base}/payload.bin`, path.join(blocker, 'x.bin'), sha, { log: () => undefined, progressBar: false })).rejects.toThrow(
      /cannot write .*a-file\/x\.bin\.part/,
    );
    expect(fs.readdirSync(dir)).toEqual(['a-file']);
  });

  test('the last step of the lookup downloads into datasets/<name>/ of the project', async () => {
    const m = machine();
    const sources: DatasetSources = {
      forms: [{ kind: 'archive', name: 'payload.bin', dir: false, distinctive: true, label: 'test payload' }],
      download: { files: [{ url: `${base}/payload.bin`, name: 'payload.bin', sha256: sha, bytes: payload.length }] },
    };
    const copy = await findCopy('toy', sources, { log: () => undefined }, m);
    expect(copy).toMatchObject({ place: 'download', path: path.join(m.projectRoot, 'datasets', 'toy', 'payload.bin') });
    // found in the project folder from now on, without a request
    const before = requests;
    expect(locateCopy('toy', sources, {}, m).found).toMatchObject({ place: 'project' });
    expect(requests).toBe(before);
  });

  test('fetchDataset through a mirror refuses files that are not the published ones and keeps none', async () => {
    const m = machine();
    const err = await fetchDataset('mnist', { log: () => undefined, baseUrl: `${base}/mirror`, progressBar: false, context: m }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /mirror\/train-images-idx3-ubyte\.gz does not match the published checksum: .* expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609/,
    );
    // all or nothing: no datasets/mnist/ folder, not even an empty one, and no staging folder
    expect(fs.readdirSync(path.join(m.projectRoot, 'datasets'))).toEqual([]);
    await expect(fetchDataset('synthetic', { log: () => undefined, context: m })).rejects.toThrow(/synthetic is not downloaded/);
  });
});

describe('is-bench datasets (describeDatasets)', () => {
  test('reports found copies with where and size, and missing ones with the fetch hint', async () => {
    const m = machine();
    const shared = path.join(m.root, 'shared');
    touch(path.join(shared, 'reuters21578.tar.gz'), 'y'.repeat(1234));
    m.env.IS_BENCH_DATA = shared;
    const statuses = await describeDatasets({ names: ['reuters', 'cifar10', 'synthetic'], context: m });
    const [reuters, cifar, synthetic] = statuses;
    expect(reuters).toMatchObject({ found: true, place: 'IS_BENCH_DATA', sizeOnDisk: 1234, train: 8982, test: 2246, numClasses: 46 });
    expect(cifar.found).toBe(false);
    expect(cifar.hint).toContain('is-bench datasets fetch cifar10');
    expect(cifar.hint).toContain('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    expect(synthetic.found).toBe(true);
    const text = formatDatasetStatus(statuses);
    expect(text).toMatch(/reuters\s+found\s+8982\s+2246\s+1000\s+46\s+1\.2 kB/);
    expect(text).toMatch(/cifar10\s+missing/);
    expect(text).toContain(`reuters: IS_BENCH_DATA: ${path.join(shared, 'reuters21578.tar.gz')}`);
    expect(text).toContain('cifar10: not found. run `is-bench datasets fetch cifar10`');
  });

  test('with load, a damaged copy is reported as a problem, not thrown', async () => {
    const m = machine();
    const shared = path.join(m.root, 'shared');
    touch(path.join(shared, 'reuters21578.tar.gz'), 'not an archive');
    m.env.IS_BENCH_DATA = shared;
    const [reuters] = await describeDatasets({ names: ['reuters'], context: m, load: true, cacheDir: path.join(m.root, 'cache') });
    expect(reuters.error).toMatch(/reuters21578\.tar\.gz: damaged or truncated archive/);
    expect(formatDatasetStatus([reuters])).toMatch(/reuters\s+damaged/);
  });
});
