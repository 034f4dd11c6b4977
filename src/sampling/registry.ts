import { UserError } from '../errors';
import type { StrategyDefinition } from '../spec';
import { uniformStrategy } from './uniform';
import { upperBoundStrategy } from './upper-bound';

/** Every strategy, by name. Adding one: a new file in src/sampling/ and one line here. */
const STRATEGIES: StrategyDefinition<any>[] = [
  uniformStrategy,
  upperBoundStrategy,
];

export function strategyNames(): string[] {
  return STRATEGIES.map((s) => s.name);
}

export function listStrategies(): StrategyDefinition<any>[] {
  return [...STRATEGIES];
}

export function getStrategy(name: string): StrategyDefinition<any> {
  const def = STRATEGIES.find((s) => s.name === name);
  if (!def) throw new UserError(`unknown strategy "${name}" (known: ${strategyNames().join(', ')})`);
  return def;
}
