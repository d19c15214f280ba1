/**
 * Values a handler, filter or hook may throw that break naive reporting: `String()` throws on
 * most of them, `instanceof` on a revoked Proxy, a template literal on a Symbol.
 */

export function revokedProxy(target: object = {}): object {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

export function errorWithThrowingMessage(): Error {
  const error = new Error('hidden');
  Object.defineProperty(error, 'message', {
    get() {
      throw new Error('message getter bug');
    },
  });
  return error;
}

export function errorWithSymbolName(): Error {
  const error = new Error('named by a symbol');
  Object.defineProperty(error, 'name', { value: Symbol('weird') });
  return error;
}

function circular(): object {
  const o: Record<string, unknown> = { id: 'loop' };
  o.self = o;
  return o;
}

/** Values a handler or hook may throw, each of which broke reporting at some point. */
export const ODD_VALUES: Array<[label: string, make: () => unknown]> = [
  ['a null-prototype object', () => Object.create(null)],
  ['a null-prototype object with fields', () => Object.assign(Object.create(null), { code: 42 })],
  [
    'an object whose toString throws',
    () => ({
      toString() {
        throw new Error('toString bug');
      },
    }),
  ],
  [
    'an object whose toString and valueOf return objects',
    () => ({ toString: () => ({}), valueOf: () => ({}) }),
  ],
  [
    'an object whose Symbol.toPrimitive throws',
    () => ({
      [Symbol.toPrimitive]() {
        throw new Error('toPrimitive bug');
      },
    }),
  ],
  ['a Symbol', () => Symbol('thrown')],
  ['undefined', () => undefined],
  ['null', () => null],
  ['a BigInt', () => 10n],
  ['a circular object', circular],
  ['a revoked Proxy', () => revokedProxy()],
  ['a revoked Proxy of a function', () => revokedProxy(() => {})],
  [
    'a Proxy whose every trap throws',
    () =>
      new Proxy(
        {},
        {
          get() {
            throw new Error('get trap');
          },
          getPrototypeOf() {
            throw new Error('getPrototypeOf trap');
          },
          ownKeys() {
            throw new Error('ownKeys trap');
          },
        },
      ),
  ],
  ['an Error whose message getter throws', errorWithThrowingMessage],
  ['an Error whose name is a Symbol', errorWithSymbolName],
];
