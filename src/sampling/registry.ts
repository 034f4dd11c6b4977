import { UserError } from '../errors';
import type { StrategyDefinition } from '../spec';
import { approximateStrategy } from './approximate';
import { biasedStrategy } from './biased';
import { constantTimeStrategy } from './constant-time';
import { infoBatchStrategy } from './infobatch';
import { lossHistoryStrategy } from './loss-history';
import { onlineBatchSelectionStrategy } from './online-batch-selection';
import { orderedSgdStrategy } from './ordered-sgd';
import { randomSubsetStrategy } from './random-subset';
import { rhoLossStrategy } from './rho-loss';
import { selectiveBackpropStrategy } from './selective-backprop';
import { uniformStrategy } from './uniform';
import { upperBoundStrategy } from './upper-bound';

/** Every strategy, by name. Adding one: a new file in src/sampling/ and one line here. */
const STRATEGIES: StrategyDefinition<any>[] = [
  uniformStrategy,
  upperBoundStrategy,
  biasedStrategy,
  approximateStrategy,
  constantTimeStrategy,
  onlineBatchSelectionStrategy,
  selectiveBackpropStrategy,
  infoBatchStrategy,
  orderedSgdStrategy,
  lossHistoryStrategy,
  rhoLossStrategy,
  randomSubsetStrategy,
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
