import { InvalidArgumentError } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend';

/** Option value parsers: each rejects bad input with what was expected (commander names the option). */
export function positiveInt(value: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer.');
  return Number(value);
}

export function nonNegativeInt(value: string): number {
  if (!/^\s*\d+\s*$/.test(value)) throw new InvalidArgumentError('expected a whole number >= 0.');
  return Number(value);
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
