/**
 * Per-epoch means of several seeds' records of one arm: the curve reproductions and the
 * per-epoch table compare.
 */
import { EPOCH_COLUMNS, type EpochRecord } from '../spec';

/**
 * At each epoch that any seed reached, the mean of every column over the seeds that have that
 * epoch (finite values only; NaN when none). One seed gives its records back unchanged.
 */
export function meanRecords(seedRecords: readonly (readonly EpochRecord[])[]): EpochRecord[] {
  const nonEmpty = seedRecords.filter((r) => r.length > 0);
  if (nonEmpty.length === 1) return [...nonEmpty[0]];
  const epochs = [...new Set(nonEmpty.flatMap((rs) => rs.map((r) => r.epoch)))].sort((a, b) => a - b);
  return epochs.map((epoch) => {
    const rows = nonEmpty.map((rs) => rs.find((r) => r.epoch === epoch)).filter((r): r is EpochRecord => r !== undefined);
    const mean = (get: (r: EpochRecord) => number | undefined) => {
      const xs = rows.map(get).filter((v): v is number => v !== undefined && Number.isFinite(v));
      return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const record = { extra: {} } as EpochRecord;
    for (const column of EPOCH_COLUMNS) {
      (record as unknown as Record<string, number>)[column] = mean((r) => (r as unknown as Record<string, number>)[column]);
    }
    record.epoch = epoch;
    const extraColumns = [...new Set(rows.flatMap((r) => Object.keys(r.extra)))];
    for (const column of extraColumns) record.extra[column] = mean((r) => r.extra[column]);
    return record;
  });
}
