/**
 * The full soak (`npm run test:soak`): 10,000 messages, a redrive policy (maxReceiveCount 5) to
 * a DLQ, handlers failing 10 % of the time at random and taking 0–50 ms, the fault layer at 5 %
 * on every action, plus one 10-second outage. Prints one line; lost must be 0.
 */
import { afterEach, expect, it } from 'vitest';
import { FAULT_KINDS } from '../support/faults.js';
import { stopAllListeners } from '../support/listen.js';
import { runSoak } from '../support/soak.js';

afterEach(stopAllListeners);

it('full soak: 10,000 messages under faults and a 10 s outage, none lost', async () => {
  const result = await runSoak({
    messages: 10_000,
    maxReceiveCount: 5,
    visibilitySecs: 10,
    failRate: 0.1,
    handlerMaxMs: 50,
    faultRate: 0.05,
    delayMs: [1_000, 3_000],
    outageSecs: 10,
    outageAfterFraction: 0.3,
    workerThreads: 50,
    poisonEvery: 1_000,
    timeoutMs: 600_000,
  });
  console.log(result.line);
  expect(result.sent).toBe(10_000);
  expect(result.leftInQueue).toBe(0);
  expect(result.deletedUnhandled).toBe(0);
  expect(result.lost).toBe(0);
  expect(result.poisonNotInDlq).toBe(0);
  for (const kind of FAULT_KINDS) expect(result.faults.counts[kind], kind).toBeGreaterThan(0);
});
