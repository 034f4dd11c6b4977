import * as fs from 'fs';
import { InvalidArgumentError, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend';

/** Option value parsers: each rejects bad input with what was expected (commander names the option). */
export function positiveInt(value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer.');
  return safeInteger(value);
}

export function nonNegativeInt(value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError('expected a whole number >= 0.');
  return safeInteger(value);
}

/** Beyond 2^53 a number is not held exactly: "99999999999999999999" would quietly become 1e20. */
function safeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer at most ${Number.MAX_SAFE_INTEGER}.`);
  return n;
}

/** A folder path (--out): not empty, which would quietly mean the working directory. */
export function folderPath(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('expected a folder path.');
  if (value.includes('\0')) throw new InvalidArgumentError('expected a folder path (it contains a NUL character).');
  return value;
}

/** An existing folder (--data-dir): a typo would otherwise be searched, found empty and skipped. */
export function existingFolder(value: string): string {
  folderPath(value);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(value);
  } catch {
    throw new InvalidArgumentError('expected an existing folder; there is nothing at that path.');
  }
  if (!stat.isDirectory()) throw new InvalidArgumentError('expected a folder; that path is a file.');
  return value;
}

export function backendChoice(value: string): BackendChoice {
  if (!(BACKEND_CHOICES as string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${BACKEND_CHOICES.join(', ')}.`);
  return value as BackendChoice;
}

export function armList(value: string): string[] {
  const arms = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!arms.length) throw new InvalidArgumentError('expected a comma-separated list of arm names.');
  return arms;
}

/** `--data-dir`, the same on every command that loads data. */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'a folder of datasets, searched before $IS_BENCH_DATA and the usual places').argParser(existingFolder);
}
