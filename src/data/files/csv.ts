/**
 * A csv file with a header row: numeric feature columns and one label column (or several
 * numeric ones for a multi-output regression). Parsed by csv-parse (quoting, escaped quotes,
 * quoted newlines, BOM), streamed so a large file is never one string in memory.
 */
import * as fs from 'fs';
import { parse, type CsvError } from 'csv-parse';
import { UserError } from '../../errors';
import { GrowableFloat32 } from './growable';
import { checkFileSize, MAX_TEXT_FILE_BYTES, TEXT_TOO_BIG } from './limits';
import { requireFile } from './paths';
import { parseDecimal } from './numbers';
import type { CsvSource } from './options';
import type { SourceData, SourceSplit } from './source-data';
import type { RawTargets } from './targets';

interface ColumnPlan {
  features: string[];
  labels: string[];
}

/** One data record with the line it ends on. */
interface CsvRecord {
  record: string[];
  info: { lines: number };
}

async function* records(file: string, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = fs.createReadStream(file).pipe(
    parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
  );
  try {
    for await (const r of parser) yield r as CsvRecord;
  } catch (e) {
    const err = e as CsvError & NodeJS.ErrnoException;
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) throw new UserError(`${file}: not valid csv: ${err.message}`);
    throw new UserError(`${file}: cannot read (${err.code ?? err.message})`);
  }
}

const show = (names: string[]) => names.map((n) => JSON.stringify(n)).join(', ');

/** Which columns are features and which the target, checked against the header. */
function planColumns(file: string, header: string[], src: CsvSource): ColumnPlan {
  const empty = header.findIndex((h) => h.trim() === '');
  if (empty >= 0) {
    throw new UserError(
      `${file}: column ${empty + 1} has no name in the header (a pandas index? write the file with index=False); ` +
        'every column needs a name so features and label can refer to it',
    );
  }
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    if (seen.has(h)) throw new UserError(`${file}: columns ${seen.get(h)! + 1} and ${i + 1} are both named ${JSON.stringify(h)} in the header`);
    seen.set(h, i);
  });
  const missing = (names: string[], role: string) => {
    const absent = names.filter((n) => !seen.has(n));
    if (absent.length === 0) return;
    const oneColumn = header.length === 1 && /[;\t|]/.test(header[0]) ? ` (the header was read as one column: is the delimiter ${JSON.stringify(src.delimiter)} right?)` : '';
    throw new UserError(`${file}: no column ${show(absent)} (${role}); the header has: ${show(header.slice(0, 30))}${header.length > 30 ? ', ...' : ''}${oneColumn}`);
  };
  const labels = Array.isArray(src.label) ? src.label : [src.label];
  missing(labels, 'dataset.label');
  let features: string[];
  if (Array.isArray(src.features)) {
    missing(src.features, 'dataset.features');
    features = src.features;
  } else {
    const excluded = src.features?.exclude ?? [];
    missing(excluded, 'dataset.features.exclude');
    features = header.filter((h) => !labels.includes(h) && !excluded.includes(h));
  }
  const both = features.filter((f) => labels.includes(f));
  if (both.length) throw new UserError(`${file}: column ${show(both)} is both a feature and the label; leave it out of dataset.features`);
  if (features.length === 0) throw new UserError(`${file}: no feature columns left besides the label ${show(labels)}`);
  return { features, labels };
}

/**
 * Reads one csv split. `plan` comes from the training file: a test file must have the same
 * feature and label columns (in any order).
 */
async function readCsvSplit(file: string, src: CsvSource, plan?: ColumnPlan): Promise<{ split: SourceSplit; plan: ColumnPlan }> {
  requireFile(file, plan ? 'dataset.test' : 'the training csv');
  checkFileSize(file, MAX_TEXT_FILE_BYTES, 'a csv file', TEXT_TOO_BIG.csv);
  let header: string[] | undefined;
  let columns: { features: number[]; labels: number[] } | undefined;
  let usedPlan = plan;
  const x = new GrowableFloat32(file);
  const labelText: string[] = [];
  const labelNumbers: number[] = [];
  const lines: number[] = [];
  const multi = () => usedPlan!.labels.length > 1;
  for await (const { record, info } of records(file, src.delimiter)) {
    if (!header) {
      header = record;
      usedPlan = plan ?? planColumns(file, header, src);
      if (plan) {
        const absent = [...plan.features, ...plan.labels].filter((c) => !header!.includes(c));
        if (absent.length) throw new UserError(`${file}: no column ${show(absent)}, which the training file has; the header has: ${show(header.slice(0, 30))}`);
      }
      columns = { features: usedPlan.features.map((f) => header!.indexOf(f)), labels: usedPlan.labels.map((l) => header!.indexOf(l)) };
      continue;
    }
    if (record.length !== header.length) {
      throw new UserError(`${file}: line ${info.lines}: ${record.length} field${record.length === 1 ? '' : 's'}, but the header has ${header.length} (a ragged row; check quoting and the delimiter)`);
    }
    const cell = (c: number, role: string): number => {
      const text = record[c];
      const v = parseDecimal(text);
      if (v !== undefined) return v;
      const at = `${file}: line ${info.lines}, column ${c + 1} (${JSON.stringify(header![c])})`;
      if (text.trim() === '') throw new UserError(`${at}: empty cell (missing values are not supported: fill or drop the row)`);
      const fix = role === 'feature' ? `features must be numeric; leave the column out with features: {exclude: [${JSON.stringify(header![c])}]}` : 'a list of label columns is a numeric (regression) target';
      throw new UserError(`${at}: ${JSON.stringify(text.length > 40 ? text.slice(0, 37) + '...' : text)} is not a number (${fix})`);
    };
    for (const c of columns!.features) x.push(cell(c, 'feature'));
    if (multi()) for (const c of columns!.labels) labelNumbers.push(cell(c, 'label'));
    else {
      const c = columns!.labels[0];
      if (record[c].trim() === '') throw new UserError(`${file}: line ${info.lines}, column ${c + 1} (${JSON.stringify(header[c])}): empty label`);
      labelText.push(record[c]);
    }
    lines.push(info.lines);
  }
  if (!header) throw new UserError(`${file}: empty file (expected a header row, then one row per sample)`);
  const n = lines.length;
  if (n === 0) throw new UserError(`${file}: a header but no data rows`);
  const labelColumn = (i: number) => columns!.labels[i] + 1;
  const where = (i: number) =>
    multi() ? `line ${lines[i]}` : `line ${lines[i]}, column ${labelColumn(0)} (${JSON.stringify(usedPlan!.labels[0])})`;
  const targets: RawTargets = multi()
    ? { kind: 'numeric', file, values: Float64Array.from(labelNumbers), width: usedPlan!.labels.length, where }
    : { kind: 'text', file, values: labelText, where };
  return { split: { x: x.toArray(), n, targets }, plan: usedPlan! };
}

export async function readCsvSource(src: CsvSource, files: { train: string; test?: string }): Promise<SourceData> {
  if (Array.isArray(src.label) && src.label.length > 1 && (src.target === 'classes' || src.target === 'binary')) {
    throw new UserError(`dataset.label lists ${src.label.length} columns, which make a regression target; use target: regression (or one label column for classes)`);
  }
  const train = await readCsvSplit(files.train, src);
  const test = files.test ? (await readCsvSplit(files.test, src, train.plan)).split : undefined;
  const { features, labels } = train.plan;
  const shown = features.length > 8 ? `${features.slice(0, 8).join(', ')}, ...` : features.join(', ');
  return {
    inputShape: [features.length],
    inputDtype: 'float32',
    train: train.split,
    ...(test ? { test } : {}),
    targetName: labels.length > 1 ? `label columns ${show(labels)}` : `label ${JSON.stringify(labels[0])}`,
    info: [`csv: ${train.split.n} training rows${test ? `, ${test.n} test rows` : ''}; ${features.length} feature columns (${shown})`],
  };
}
