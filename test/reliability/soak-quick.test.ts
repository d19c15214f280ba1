/**
 * The quick soak, part of `npm test`: 1,000 messages through the fault layer (5 % of every
 * action) with a 3-second outage, handlers failing 10 % of the time, a DLQ after 5 receives.
 * Every message sent must end deleted after a successful handling or in the DLQ; the full run
 * (10,000 messages, a 10-second outage) is `npm run test:soak`.
 */
import { afterEach, expect, it } from 'vitest';
import { stopAllListeners } from '../support/listen.js';
import { runSoak } from '../support/soak.js';

afterEach(stopAllListeners);

it('quick soak: 1,000 messages under faults and a 3 s outage, none lost', async () => {
  const result = await runSoak({
    messages: 1_000,
    maxReceiveCount: 5,
    visibilitySecs: 3,
    failRate: 0.1,
    handlerMaxMs: 50,
    faultRate: 0.05,
    delayMs: [200, 1_000],
    outageSecs: 3,
    outageAfterFraction: 0.3,
    workerThreads: 50,
    poisonEvery: 500,
    timeoutMs: 40_000,
  });
  console.log(result.line);
  expect(result.sent).toBe(1_000);
  expect(result.leftInQueue).toBe(0);
  expect(result.deletedUnhandled).toBe(0);
  expect(result.lost).toBe(0);
  expect(result.poisonNotInDlq).toBe(0);
  expect(result.handledOk + result.inDlq).toBeGreaterThanOrEqual(1_000);
  // Faults really happened (each kind is proven on its own in faults.test.ts).
  expect(result.faults.counts.outage).toBeGreaterThan(0);
  expect(result.faults.counts.throttle + result.faults.counts.serverError).toBeGreaterThan(0);
}, 60_000);
