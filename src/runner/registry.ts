/**
 * `sqsListener()`: registers a handler for a queue, for `runListeners()` to start. Plain call
 * form, and a TC39 decorator form for static methods.
 */

import type { LeasedMessage } from '../core/leased-message.js';
import { resolveQueueTarget } from '../core/queue-name.js';
import type { SqsMessagesOptions } from '../core/stream-config.js';
import type { BatchHandler } from '../listeners/batch.js';
import type { BatchHandlerResult } from '../listeners/batch-result.js';
import type { ListenerBaseOptions } from '../listeners/listener-config.js';
import type { MessageHandler } from '../listeners/per-message.js';
import { ConfigError } from '../shared/errors.js';
import { suggestName } from '../shared/option-names.js';
import { checkSqsListenerOptionNames } from './option-names.js';

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
  queueUrl?: string | undefined;
  /** `per_message` (default): handler(message). `batch`: handler(messages[]). */
  mode?: ListenerMode | undefined;
  /** Handlers (per_message) or batches (batch) running at once. Env `WORKER_THREADS`, default 4. */
  workerThreads?: number | undefined;
  /** Batch mode: wait up to this long after the first message for more. Env `BATCH_WINDOW_MS`, default 0. */
  batchWindowMs?: number | undefined;
  /** A name for logs; defaults to the queue name. */
  name?: string | undefined;
}

/**
 * A handler registered with `sqsListener()`, as `runListeners()` runs it. `T`: the output type
 * of its `schema`. The handlers are declared as methods so that a `RegisteredListener<Order>`
 * is also a `RegisteredListener` (what `runListeners({ listeners })` takes): methods compare
 * their parameters both ways, where function properties would reject the narrower message.
 */
export type RegisteredListener<T = unknown> =
  | {
      readonly options: SqsListenerOptions<T> & { mode?: 'per_message' | undefined };
      /** Called once per message; see {@link MessageHandler}. */
      handler(message: LeasedMessage<T>): unknown;
    }
  | {
      readonly options: SqsListenerOptions<T> & { mode: 'batch' };
      /** Called with each batch; see {@link BatchHandler}. */
      handler(messages: LeasedMessage<T>[]): BatchHandlerResult | Promise<BatchHandlerResult>;
    };

const registry: RegisteredListener[] = [];

/**
 * Every listener registered so far (in registration order).
 *
 * @example
 * ```ts
 * sqsListener({ queueUrl: process.env.ORDERS_QUEUE_URL }, handleOrder);
 * console.log(registeredListeners().length); // 1
 * ```
 */
export function registeredListeners(): readonly RegisteredListener[] {
  return registry;
}

/**
 * Forgets every registered listener (tests, or apps that build listeners dynamically).
 *
 * @example
 * ```ts
 * afterEach(() => clearListeners()); // each test registers its own listeners
 * ```
 */
export function clearListeners(): void {
  registry.length = 0;
}

// Generic in `this`, so that a static method declaring `this: typeof MyClass` is accepted.
type MethodDecorator = <This>(
  method: (this: This, ...args: never[]) => unknown,
  context: ClassMethodDecoratorContext<This>,
) => void;

/** The handler `mode` calls for: arrays of messages in `batch` mode, one message otherwise. */
export type HandlerForMode<M extends ListenerMode | undefined, T = unknown> = M extends 'batch'
  ? BatchHandler<T>
  : MessageHandler<T>;

/**
 * Registers `handler` for the queue in `options`; returns the registration. `T` types the
 * messages' `json` and `data`: a `schema` sets it (its output type), or it is given, unchecked,
 * as `sqsListener<Order>(…)`, and in batch mode `sqsListener<Order, 'batch'>(…)` (TypeScript
 * infers no type argument once one is given); a handler's own annotation cannot set it. The
 * handler's type follows `mode` (`M`) in one signature: with an overload per mode, a mistake in
 * the options was reported against the last overload tried ("'batch' is not assignable to
 * 'per_message'"); now it is reported where it is.
 *
 * @example
 * ```ts
 * sqsListener({ queueUrl: process.env.ORDERS_QUEUE_URL, workerThreads: 8 }, async (message) => {
 *   await charge(message.json); // returns normally: acked; throws or returns false: retried
 * });
 * await runListeners(); // drains on SIGTERM/SIGINT
 * ```
 */
export function sqsListener<
  T = unknown,
  M extends ListenerMode | undefined = 'per_message' | undefined,
>(
  options: SqsListenerOptions<T> & { mode?: M },
  // NoInfer: `T` and `M` come from the options (or are given), never from the handler.
  handler: NoInfer<HandlerForMode<M, T>>,
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
  checkListenerRegistration(options);
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

const MODES: readonly ListenerMode[] = ['per_message', 'batch'];

/**
 * What can be checked when a listener is registered, before anything runs: its option names
 * (a typo would silently keep a default), its mode, and that it names one queue.
 */
export function checkListenerRegistration(
  options: SqsListenerOptions,
  where = 'sqsListener()',
): void {
  checkSqsListenerOptionNames(options, where);
  const mode: unknown = options.mode;
  if (mode !== undefined && !MODES.includes(mode as ListenerMode)) {
    const near = typeof mode === 'string' ? suggestName(mode.replace(/-/g, '_'), MODES) : undefined;
    throw new ConfigError({
      option: 'mode',
      value: mode,
      allowed: "'per_message' (the default: one message per handler call) or 'batch' (arrays)",
      from: 'option',
      hint: near === undefined ? undefined : `Did you mean '${near}'?`,
    });
  }
  if (options.queueUrl !== undefined && options.queueName !== undefined) {
    resolveQueueTarget(options.queueUrl, options.queueName, {});
  }
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
