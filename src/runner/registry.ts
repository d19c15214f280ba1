/**
 * `sqsListener()`: registers a handler for a queue, for `runListeners()` to start. Plain call
 * form, and a TC39 decorator form for static methods.
 */

import type { LeasedMessage } from '../core/leased-message.js';
import type { SqsMessagesOptions } from '../core/stream-config.js';
import type { BatchHandler } from '../listeners/batch.js';
import type { BatchHandlerResult } from '../listeners/batch-result.js';
import type { ListenerBaseOptions } from '../listeners/listener-config.js';
import type { MessageHandler } from '../listeners/per-message.js';

/** `per_message`: one handler call per message; `batch`: the handler gets arrays. */
export type ListenerMode = 'batch' | 'per_message';

/**
 * Options of `sqsListener()`: the queue, the mode, and every `sqsMessages()` option. `T`: the
 * output type of `schema`, what the handler's `message.data` holds.
 */
export interface SqsListenerOptions<T = unknown>
  extends Omit<SqsMessagesOptions, 'signal' | 'shutdownTimeout'>,
    Omit<ListenerBaseOptions<T>, 'client' | 'logger' | 'env'> {
  /** The queue to listen to. Env `QUEUE_URL`. */
  queueUrl?: string;
  /** `per_message` (default): handler(message). `batch`: handler(messages[]). */
  mode?: ListenerMode;
  /** Handlers (per_message) or batches (batch) running at once. Env `WORKER_THREADS`, default 4. */
  workerThreads?: number;
  /** Batch mode: wait up to this long after the first message for more. Env `BATCH_WINDOW_MS`, default 0. */
  batchWindowMs?: number;
  /** A name for logs; defaults to the queue name. */
  name?: string;
}

/**
 * A handler registered with `sqsListener()`, as `runListeners()` runs it. `T`: the output type
 * of its `schema`. The handlers are declared as methods so that a `RegisteredListener<Order>`
 * is also a `RegisteredListener` (what `runListeners({ listeners })` takes): methods compare
 * their parameters both ways, where function properties would reject the narrower message.
 */
export type RegisteredListener<T = unknown> =
  | {
      readonly options: SqsListenerOptions<T> & { mode?: 'per_message' };
      /** Called once per message; see {@link MessageHandler}. */
      handler(message: LeasedMessage<T>): unknown;
    }
  | {
      readonly options: SqsListenerOptions<T> & { mode: 'batch' };
      /** Called with each batch; see {@link BatchHandler}. */
      handler(messages: LeasedMessage<T>[]): BatchHandlerResult | Promise<BatchHandlerResult>;
    };

const registry: RegisteredListener[] = [];

/** Every listener registered so far (in registration order). */
export function registeredListeners(): readonly RegisteredListener[] {
  return registry;
}

/** Forgets every registered listener (tests, or apps that build listeners dynamically). */
export function clearListeners(): void {
  registry.length = 0;
}

// Generic in `this`, so that a static method declaring `this: typeof MyClass` is accepted.
type MethodDecorator = <This>(
  method: (this: This, ...args: never[]) => unknown,
  context: ClassMethodDecoratorContext<This>,
) => void;

/**
 * Registers `handler` for the queue in `options`; returns the registration. With a `schema`,
 * the handler's `message.data` is typed as the schema's output (`T` is taken from the schema
 * only: without one, `data` is `unknown`).
 */
export function sqsListener<T = unknown>(
  options: SqsListenerOptions<T> & { mode: 'batch' },
  handler: BatchHandler<NoInfer<T>>,
): RegisteredListener<T>;
export function sqsListener<T = unknown>(
  options: SqsListenerOptions<T> & { mode?: 'per_message' },
  handler: MessageHandler<NoInfer<T>>,
): RegisteredListener<T>;
/** Decorator form: `@sqsListener({ queueUrl })` on a static method. */
export function sqsListener(options: SqsListenerOptions): MethodDecorator;
export function sqsListener(
  options: SqsListenerOptions,
  handler?: MessageHandler | BatchHandler,
): RegisteredListener | MethodDecorator {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('sqsListener(options, handler): options must be an object');
  }
  if (options.mode !== undefined && options.mode !== 'batch' && options.mode !== 'per_message') {
    throw new TypeError(
      `sqsListener: mode must be 'batch' or 'per_message', got ${JSON.stringify(options.mode)}`,
    );
  }
  if (handler !== undefined) return register(options, handler);
  return (method, context) => {
    if (context.kind !== 'method' || !context.static) {
      throw new TypeError(
        '@sqsListener decorates static methods (instances are not created by the runner)',
      );
    }
    const registration = register(options, method as unknown as MessageHandler);
    // Static-method initializers run with `this` = the class, so the handler keeps its `this`.
    context.addInitializer(function (this: unknown) {
      (registration as { handler: unknown }).handler = (
        method as (...a: unknown[]) => unknown
      ).bind(this);
    });
  };
}

function register(
  options: SqsListenerOptions,
  handler: MessageHandler | BatchHandler,
): RegisteredListener {
  if (typeof handler !== 'function')
    throw new TypeError('sqsListener(options, handler): handler must be a function');
  const registration = { options: { ...options }, handler } as RegisteredListener;
  registry.push(registration);
  return registration;
}
