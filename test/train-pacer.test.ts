import { Pacer } from '../src/train/pacer';

/** Whether a macrotask queued before the call ran by the time the call resolved. */
async function letsEventLoopIn(call: () => Promise<number>): Promise<boolean> {
  let ran = false;
  setImmediate(() => (ran = true));
  await call();
  return ran;
}

test('maybeYield lets the event loop in once the interval has passed, not before', async () => {
  expect(await letsEventLoopIn(() => new Pacer(0).maybeYield())).toBe(true);
  const slow = new Pacer(3600);
  expect(await letsEventLoopIn(() => slow.maybeYield())).toBe(false);
  expect(await slow.maybeYield()).toBe(0);
});

test('yieldNow always lets the event loop in and returns the time it took', async () => {
  const p = new Pacer(3600);
  expect(await letsEventLoopIn(() => p.yieldNow())).toBe(true);
  expect(await p.yieldNow()).toBeGreaterThanOrEqual(0);
});
