import { stringify } from 'csv-stringify/sync';
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
