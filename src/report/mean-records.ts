/**
 * Per-epoch means of several seeds' records of one arm: the curve reproductions and the
 * per-epoch table compare.
 */
import { EPOCH_COLUMNS, type EpochRecord } from '../spec';

/**
 * Every seed's records indexed by epoch, and the epochs any seed reached in order: looking an
 * epoch up is then constant time (a find per epoch made long runs' reports quadratic).
 */
export function recordsByEpoch(seedRecords: readonly (readonly EpochRecord[])[]): { epochs: number[]; bySeed: Map<number, EpochRecord>[] } {
  const bySeed = seedRecords.map((rs) => {
    const m = new Map<number, EpochRecord>();
    // the first record of an epoch, as a find would give
    for (const r of rs) if (!m.has(r.epoch)) m.set(r.epoch, r);
    return m;
  });
  const epochs = [...new Set(bySeed.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  return { epochs, bySeed };
}

/**
 * At each epoch that any seed reached, the mean of every column over the seeds that have that
 * epoch (finite values only; NaN when none). One seed gives its records back unchanged.
 */
export function meanRecords(seedRecords: readonly (readonly EpochRecord[])[]): EpochRecord[] {
  const nonEmpty = seedRecords.filter((r) => r.length > 0);
  if (nonEmpty.length === 1) return [...nonEmpty[0]];
  const { epochs, bySeed } = recordsByEpoch(nonEmpty);
  return epochs.map((epoch) => {
    const rows = bySeed.map((m) => m.get(epoch)).filter((r): r is EpochRecord => r !== undefined);
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
