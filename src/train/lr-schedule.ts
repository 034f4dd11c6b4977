/**
 * Learning-rate schedules: the rate of one step from the step count and the run's progress.
 * Pure functions; the arm calls them before every step, the same way in every arm.
 */
import type { ScheduleConfig } from '../config/schema';

/** Where a step stands: its 0-based count since the arm started, and the run's progress in [0, 1]. */
export interface SchedulePosition {
  step: number;
  /**
   * Fraction of the run done when the step starts: epochs done (the current one in part) over
   * epochs, or in a budgeted run the fraction of the budget spent. Decays reach `final` at 1.
   */
  progress: number;
}

/** Multiplier of a step schedule when none is given: the rate drops tenfold every `every` steps. */
export const DEFAULT_STEP_FACTOR = 0.1;

/**
 * The rate of one step.
 * - constant: base;
 * - step: base * factor^floor(step / every);
 * - exponential: base * (final / base)^progress (geometric from base to final);
 * - cosine: final + (base - final) * (1 + cos(pi * progress)) / 2;
 * - linear: base + (final - base) * progress;
 * then, during the first `warmup` steps, times (step + 1) / warmup (a linear ramp that starts
 * at base / warmup and meets the schedule at the end of the warmup).
 */
export function scheduledRate(schedule: ScheduleConfig | undefined, at: SchedulePosition, baseLr: number): number {
  if (!schedule) return baseLr;
  const p = Math.min(1, Math.max(0, at.progress));
  const final = schedule.final ?? 0;
  let lr: number;
  switch (schedule.name) {
    case 'constant':
      lr = baseLr;
      break;
    case 'step':
      lr = baseLr * (schedule.factor ?? DEFAULT_STEP_FACTOR) ** Math.floor(at.step / schedule.every!);
      break;
    case 'exponential':
      lr = baseLr * (final / baseLr) ** p;
      break;
    case 'cosine':
      lr = final + ((baseLr - final) * (1 + Math.cos(Math.PI * p))) / 2;
      break;
    case 'linear':
      lr = baseLr + (final - baseLr) * p;
      break;
  }
  const warmup = schedule.warmup ?? 0;
  if (at.step < warmup) lr *= (at.step + 1) / warmup;
  return lr;
}

/** The rate of step `step` (0-based) of a run of `totalSteps` steps: progress is step / totalSteps. */
export function learningRateAt(schedule: ScheduleConfig | undefined, step: number, totalSteps: number, baseLr: number): number {
  return scheduledRate(schedule, { step, progress: totalSteps > 0 ? step / totalSteps : 0 }, baseLr);
}
