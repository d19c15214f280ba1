/**
 * The hook the payload cleanup hangs on: `afterAck` callbacks run once SQS confirmed the
 * delete, once, and never for a nack, a refused delete, or a message moved to a DLQ.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { Lease } from '../../src/core/lease.js';
import {
  afterAck,
  LeasedMessage,
  movedToDeadLetter,
  type Settler,
} from '../../src/core/leased-message.js';
import { SettleError } from '../../src/shared/errors.js';

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A message whose ack resolves or rejects when the test says so (SQS's answer). */
function leased() {
  const answer = deferred();
  const settler: Settler = {
    ack: (lease) => {
      if (lease.state === 'nacked') return Promise.reject(new SettleError('conflict'));
      if (lease.settlement) return lease.settlement;
      lease.settle('ack', answer.promise);
      return answer.promise;
    },
    nack: (lease) => {
      if (lease.settlement) return Promise.reject(new SettleError('conflict'));
      const done = Promise.resolve();
      lease.settle('nack', done);
      return done;
    },
    timeOut: () => Promise.resolve(),
  };
  const raw: Message = { MessageId: 'm-1', ReceiptHandle: 'rh-1', Body: 'x' };
  const lease = new Lease('m-1', 'rh-1', Date.now(), 30);
  lease.handOut();
  const message = new LeasedMessage(raw, lease, settler);
  return { message, answer };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('afterAck', () => {
  it('runs after SQS confirmed the delete, not when ack() is called, and only once', async () => {
    const { message, answer } = leased();
    let runs = 0;
    message[afterAck](() => runs++);
    const first = message.ack();
    const second = message.ack();
    await tick();
    expect(runs).toBe(0);
    answer.resolve();
    await Promise.all([first, second]);
    await tick();
    expect(runs).toBe(1);
  });

  it('does not run when the delete is refused', async () => {
    const { message, answer } = leased();
    let runs = 0;
    message[afterAck](() => runs++);
    const ack = message.ack();
    answer.reject(new SettleError('refused'));
    await expect(ack).rejects.toThrow('refused');
    await tick();
    expect(runs).toBe(0);
  });

  it('does not run for a nack, nor for a later ack that conflicts with it', async () => {
    const { message } = leased();
    let runs = 0;
    message[afterAck](() => runs++);
    await message.nack();
    await message.ack().catch(() => {});
    await tick();
    expect(runs).toBe(0);
  });

  it('does not run for a message moved to a dead-letter queue', async () => {
    const { message, answer } = leased();
    let runs = 0;
    message[afterAck](() => runs++);
    message[movedToDeadLetter]();
    answer.resolve();
    await message.ack();
    await tick();
    expect(runs).toBe(0);
  });
});
