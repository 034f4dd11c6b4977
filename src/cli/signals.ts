import { EXIT } from '../errors';

/**
 * The first SIGINT/SIGTERM calls `onStop` (the campaign stops after the current step and keeps
 * every finished epoch); a second one exits at once. Returns the function that removes them.
 */
export function installStopSignals(onStop: (signal: NodeJS.Signals) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
    onStop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
