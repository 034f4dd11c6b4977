import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import * as fs from 'fs';
import { printable, UserError } from '../errors';
import { pathInside, readCapped } from '../io/inside';
import { EPOCH_COLUMNS, type EpochRecord } from '../spec';

/** The CSV header of an arm: the fixed columns, then the arm's extra columns in a stable order. */
export function csvColumns(extraColumns: string[]): string[] {
  return [...EPOCH_COLUMNS, ...extraColumns];
}

/** Numbers as plain decimals (no exponent surprises for spreadsheets); NaN and infinities empty. */
function cell(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(8)));
}

/** One arm's whole CSV text: header and one row per finished epoch. */
export function epochRecordsToCsv(records: EpochRecord[], extraColumns: string[]): string {
  const columns = csvColumns(extraColumns);
  const rows = records.map((r) =>
    columns.map((c) => cell((EPOCH_COLUMNS as readonly string[]).includes(c) ? (r[c as keyof EpochRecord] as number) : r.extra[c])),
  );
  return stringify([columns, ...rows]);
}

const FIXED = new Set<string>(EPOCH_COLUMNS);

/**
 * Parses the text of an `<arm>.csv`: a header row, the fixed EPOCH_COLUMNS, then extra
 * columns (strategy diagnostics, train_eval_loss, ...). Empty cells are NaN.
 * `source` names the file in error messages.
 */
export function parseEpochCsv(text: string, source: string): { records: EpochRecord[]; columns: string[] } {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new UserError(`${source}: not a readable CSV file (${printable((e as Error).message, 120)})`);
  }
  if (rows.length === 0) return { records: [], columns: [] };
  const columns = rows[0];
  const missing = EPOCH_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new UserError(
      `${source}: missing column(s) ${missing.join(', ')}; an is-bench epoch CSV starts with ${EPOCH_COLUMNS.join(',')}`,
    );
  }
  const records = rows.slice(1).map((row, i) => {
    const values: Record<string, number> = {};
    columns.forEach((column, j) => {
      values[column] = parseCell(row[j] ?? '', () => `${source}: row ${i + 2}, column ${printable(column, 40)}`);
    });
    const extra: Record<string, number> = {};
    for (const column of columns) if (!FIXED.has(column)) extra[column] = values[column];
    const record = { extra } as EpochRecord;
    for (const column of EPOCH_COLUMNS) (record as unknown as Record<string, number>)[column] = values[column];
    return record;
  });
  return { records, columns };
}

function parseCell(cell: string, where: () => string): number {
  if (cell === '') return NaN;
  const value = Number(cell);
  if (Number.isNaN(value) && cell !== 'NaN') throw new UserError(`${where()}: "${printable(cell, 40)}" is not a number`);
  return value;
}


/** An epoch CSV larger than this is not one is-bench wrote (a 10,000-epoch run's is a few MB). */
export const MAX_EPOCH_CSV_BYTES = 64 * 2 ** 20;

/**
 * Reads `<dir>/<arm>.csv` of a run folder, confined to the folder and size-capped; null when the
 * arm has no CSV (it stopped before its first epoch). `what` says where the arm name came from.
 */
export function readArmCsv(dir: string, arm: string, what: string): { records: EpochRecord[]; columns: string[]; file: string } | null {
  const file = pathInside(dir, [`${arm}.csv`], what);
  if (!fs.existsSync(file)) return null;
  return { ...parseEpochCsv(readCapped(file, MAX_EPOCH_CSV_BYTES).toString('utf8'), file), file };
}
