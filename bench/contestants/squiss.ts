/**
 * squiss-ts, configured with its documented options: `SQS` (our counting client), `maxInFlight`
 * (handler concurrency: it receives only for free slots), `receiveBatchSize`,
 * `deleteBatchSize`/`deleteWaitMs` (delete batching), and for long jobs `autoExtendTimeout`
 * with `visibilityTimeoutSecs` and `advancedCallMs` (extend this long before expiry).
 */
import { type ISquissOptions, type Message, Squiss } from 'squiss-ts';
import type { RunContext } from './types.js';

export async function run(ctx: RunContext): Promise<void> {
  const { options, handler } = ctx;
  const config: ISquissOptions = {
    queueUrl: ctx.queueUrl,
    SQS: ctx.client,
    bodyFormat: 'plain',
    maxInFlight: Number(options.maxInFlight),
    receiveBatchSize: Number(options.receiveBatchSize),
    receiveWaitTimeSecs: Number(options.receiveWaitTimeSecs),
    deleteBatchSize: Number(options.deleteBatchSize),
    deleteWaitMs: Number(options.deleteWaitMs),
    visibilityTimeoutSecs: Number(options.visibilityTimeoutSecs),
    autoExtendTimeout: Boolean(options.autoExtendTimeout),
  };
  if (options.advancedCallMs !== undefined) config.advancedCallMs = Number(options.advancedCallMs);
  const squiss = new Squiss(config);
  for (const event of ['error', 'delError', 'autoExtendFail', 'autoExtendError'] as const) {
    squiss.on(event, () => ctx.error(event));
  }
  const deleted = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    // Deletes are batched by squiss; 'deleted' fires when SQS confirmed one.
    squiss.on('deleted', ({ msg }: { msg: Message }) => {
      deleted.add(msg.raw.MessageId ?? '');
      if (deleted.size >= ctx.expected) resolve();
    });
    squiss.on('message', (msg: Message) => {
      const done = () => {
        ctx.handled(msg.raw.MessageId ?? '', msg.raw.Body ?? '');
        msg.del();
      };
      const r = handler(String(msg.body ?? ''));
      if (r) r.then(done, reject);
      else done();
    });
    squiss.start().catch(reject);
    // An empty queue (idle): nothing to delete, the harness's timer ends the run.
    if (ctx.expected === 0) ctx.allHandled.addEventListener('abort', () => resolve());
  });
  await squiss.stop(false, 0);
}
