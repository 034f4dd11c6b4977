/**
 * Load time of every dataset that is found: cold (parse the source; for text datasets into an
 * empty parse cache) and warm (the same load again, served by the cache for text datasets).
 *
 *   npx ts-node scripts/bench-datasets.ts [--data-dir DIR] [--cache-dir DIR] [--repeat N]
 *
 * Looks datasets up the usual way ($IS_BENCH_DATA, datasets/, packages, Keras cache); never
 * downloads. The cold cache is a fresh temporary folder unless --cache-dir is given.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sha256File } from '../src/data/fingerprint';
import { loadDataset } from '../src/data/registry';
import { describeDatasets } from '../src/data/status';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const v = await f();
  return [v, Number(process.hrtime.bigint() - t) / 1e9];
}

async function main(): Promise<void> {
  const dataDir = arg('--data-dir');
  const repeat = Number(arg('--repeat') ?? 3);
  const cacheDir = arg('--cache-dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'isb-bench-cache-'));
  const statuses = await describeDatasets({ dataDir });
  console.log(`node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}); parse cache ${cacheDir}`);
  const rows: string[][] = [];
  for (const s of statuses) {
    if (!s.found || s.form === 'generated') {
      if (!s.found) console.log(`${s.name}: not found, skipped`);
      continue;
    }
    const load = () =>
      loadDataset({ name: s.name, validation: 'test', options: {} }, { seed: 0, log: () => undefined, dataDir, cacheDir, download: false });
    const [ds, cold] = await timed(load);
    const warm: number[] = [];
    for (let i = 0; i < repeat; i++) warm.push((await timed(load))[1]);
    const hash = s.path && fs.statSync(s.path).isFile() ? (await timed(() => sha256File(s.path!)))[1] : NaN;
    warm.sort((a, b) => a - b);
    rows.push([
      s.name,
      `${ds.train.n}/${ds.validation.n}`,
      ds.inputShape.join('x'),
      cold.toFixed(2),
      warm[Math.floor(warm.length / 2)].toFixed(2),
      Number.isNaN(hash) ? '-' : hash.toFixed(2),
      s.where ?? '',
    ]);
  }
  const header = ['dataset', 'train/test', 'input', 'cold_s', 'warm_s', 'sha256_s', 'source'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => (i < 6 ? c.padEnd(widths[i]) : c)).join('  '));
  console.log(`warm_s: median of ${repeat} loads; text datasets (imdb, reuters) are served by the parse cache, the others are parsed each time.`);
  if (!arg('--cache-dir')) fs.rmSync(cacheDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
