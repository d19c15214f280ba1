/**
 * Decoder: validates the body against the listener's `schema` (any Standard Schema v1
 * validator) and puts the output on `message.data`. Last of the decoders, so it sees the body
 * an SNS envelope or an S3 pointer stood for.
 *
 * Two kinds of failure, handled differently on purpose:
 * - the body is not JSON, or the validator returned issues: the message itself is bad and no
 *   retry can fix it, so it fails with a `MessageValidationError` (non-retryable: moved to the
 *   dead-letter queue whatever `isNonRetryable` says; see listener-config.ts);
 * - `validate()` threw or rejected: the spec says a validator reports problems as issues, so a
 *   throw is a validator bug or an async check that could not run (a database refinement whose
 *   database is down). The message may well be fine: the thrown value is passed on unchanged
 *   and the failure is handled like a handler's throw (retried, unless `isNonRetryable` says
 *   otherwise, e.g. for a `NonRetryableError` thrown from a refinement).
 */
import { decodedData, type LeasedMessage } from '../../core/leased-message.js';
import { readProperty } from '../../shared/describe.js';
import { ConfigError, describeValue, toError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ListenerBaseOptions } from '../listener-config.js';
import { clip, notJsonRejection, schemaRejection } from '../schema/issues.js';
import type { MessageSchemaProps } from '../schema/standard-schema.js';
import type { Decoder } from '../stages/decode.js';

/** `undefined` without a `schema` option: the decode stage then runs nothing of this. */
export function schemaDecoder(options: ListenerBaseOptions, logger: Logger): Decoder | undefined {
  if (options.schema === undefined) return undefined;
  const props = standardProps(options.schema);
  const vendor = clip(describeValue(props.vendor), 40);

  const threw = (message: LeasedMessage, error: unknown): never => {
    logger.error(
      'schema validation threw (a validator bug, or an async check that could not run); handled as a failure of the message, not as an invalid body',
      { messageId: message.messageId, vendor, error: toError(error) },
    );
    throw error;
  };

  const accept = (message: LeasedMessage, result: unknown): void => {
    if (typeof result !== 'object' || result === null) {
      threw(
        message,
        new TypeError(`schema validate() returned ${describeValue(result)}, not a result object`),
      );
    }
    const issues = readProperty(result, 'issues');
    // The spec: a truthy `issues` is a failure, anything else a success.
    if (issues) throw schemaRejection(message.messageId, vendor, message.body, issues);
    message[decodedData] = readProperty(result, 'value');
  };

  return (message) => {
    let value: unknown;
    try {
      value = message.json;
    } catch (error) {
      throw notJsonRejection(message.messageId, message.body, error);
    }
    let result: unknown;
    try {
      result = props.validate(value);
    } catch (error) {
      return threw(message, error);
    }
    // A synchronous validator costs no promise: only an async one is awaited.
    if (typeof readProperty(result, 'then') === 'function') {
      return Promise.resolve(result).then(
        (settled) => accept(message, settled),
        (error: unknown) => threw(message, error),
      );
    }
    accept(message, result);
  };
}

/** The schema's `~standard` properties, checked once when the listener is built. */
function standardProps(schema: unknown): MessageSchemaProps {
  // arktype schemas are functions carrying `~standard`; zod and valibot ones are objects.
  const holder = (typeof schema === 'object' && schema !== null) || typeof schema === 'function';
  const props = holder ? readProperty(schema, '~standard') : undefined;
  const validate = readProperty(props, 'validate');
  const version = readProperty(props, 'version');
  if (typeof validate !== 'function' || version !== 1) {
    throw new ConfigError({
      option: 'schema',
      value: !holder
        ? schema
        : props === undefined
          ? 'an object without a ~standard property'
          : typeof validate !== 'function'
            ? 'a ~standard property without a validate function'
            : `a Standard Schema of version ${describeValue(version)}`,
      allowed:
        'a Standard Schema v1 validator (an object with ~standard.version 1 and ~standard.validate): a zod (>= 3.24), valibot (>= 1) or arktype schema',
      from: 'option',
    });
  }
  return props as MessageSchemaProps;
}
