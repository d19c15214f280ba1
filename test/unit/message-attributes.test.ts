/**
 * The one attribute conversion shared by `LeasedMessage.messageAttributes()` and the in-memory
 * SQS: SQS's typed values to simple values, and simple values back for sending.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  attributeBaseType,
  simplifyAttribute,
  simplifyAttributes,
  toAttributeValue,
  toAttributeValues,
} from '../../src/shared/message-attributes.js';

const bytes = Uint8Array.of(0, 1, 254, 255);

describe('simplifyAttribute', () => {
  it.each<[string, MessageAttributeValue, unknown]>([
    ['String', { DataType: 'String', StringValue: 'Ada' }, 'Ada'],
    ['an empty String', { DataType: 'String', StringValue: '' }, ''],
    ['String.uuid', { DataType: 'String.uuid', StringValue: '0f8fad5b' }, '0f8fad5b'],
    ['a missing DataType (String)', { StringValue: 'x' } as MessageAttributeValue, 'x'],
    ['an unknown DataType (its text)', { DataType: 'Text', StringValue: 'x' }, 'x'],
    ['Number 42', { DataType: 'Number', StringValue: '42' }, 42],
    ['Number -7', { DataType: 'Number', StringValue: '-7' }, -7],
    ['Number.float 3.14', { DataType: 'Number.float', StringValue: '3.14' }, 3.14],
    ['Number 1.5e3', { DataType: 'Number', StringValue: '1.5e3' }, 1500],
    ['Number 0.1 (a float)', { DataType: 'Number', StringValue: '0.1' }, 0.1],
    [
      'the largest safe integer',
      { DataType: 'Number', StringValue: '9007199254740991' },
      2 ** 53 - 1,
    ],
    [
      'an integer beyond the safe range (exact text)',
      { DataType: 'Number', StringValue: '12345678901234567890' },
      '12345678901234567890',
    ],
    [
      'a negative integer beyond the safe range (exact text)',
      { DataType: 'Number', StringValue: '-9007199254740993' },
      '-9007199254740993',
    ],
    [
      'a number beyond the double range (text, not Infinity)',
      { DataType: 'Number', StringValue: '1e400' },
      '1e400',
    ],
    ['Binary', { DataType: 'Binary', BinaryValue: bytes }, bytes],
    ['Binary.png', { DataType: 'Binary.png', BinaryValue: bytes }, bytes],
    ['a Number without a value', { DataType: 'Number' }, undefined],
    ['a Binary without a value', { DataType: 'Binary', StringValue: 'ignored' }, undefined],
    ['a String without a value', { DataType: 'String' }, undefined],
  ])('%s', (_name, value, expected) => {
    expect(simplifyAttribute(value)).toStrictEqual(expected);
  });
});

describe('simplifyAttributes', () => {
  it('simplifies every attribute and leaves out those without a value', () => {
    expect(
      simplifyAttributes({
        name: { DataType: 'String', StringValue: 'Ada' },
        count: { DataType: 'Number', StringValue: '3' },
        payload: { DataType: 'Binary', BinaryValue: bytes },
        empty: { DataType: 'Binary' },
      }),
    ).toStrictEqual({ name: 'Ada', count: 3, payload: bytes });
  });

  it('returns an empty record for no attributes', () => {
    expect(simplifyAttributes(undefined)).toStrictEqual({});
    expect(simplifyAttributes({})).toStrictEqual({});
  });
});

describe('toAttributeValue', () => {
  it.each<[string, Parameters<typeof toAttributeValue>[0], MessageAttributeValue]>([
    ['a string', 'Ada', { DataType: 'String', StringValue: 'Ada' }],
    ['a number', 42, { DataType: 'Number', StringValue: '42' }],
    ['a float', 3.14, { DataType: 'Number', StringValue: '3.14' }],
    [
      'a bigint (exact)',
      12_345_678_901_234_567_890n,
      { DataType: 'Number', StringValue: '12345678901234567890' },
    ],
    ['bytes', bytes, { DataType: 'Binary', BinaryValue: bytes }],
    [
      'an SDK value (custom type), as is',
      { DataType: 'Number.float', StringValue: '2.5' },
      { DataType: 'Number.float', StringValue: '2.5' },
    ],
  ])('%s', (_name, value, expected) => {
    expect(toAttributeValue(value)).toStrictEqual(expected);
  });

  it('round-trips through simplifyAttribute', () => {
    for (const value of ['Ada', 42, -7, 3.14, bytes, '12345678901234567890']) {
      expect(simplifyAttribute(toAttributeValue(value))).toStrictEqual(value);
    }
    expect(simplifyAttribute(toAttributeValue(12_345_678_901_234_567_890n))).toBe(
      '12345678901234567890',
    );
  });

  it('toAttributeValues keeps "no attributes" apart from "none given"', () => {
    expect(toAttributeValues(undefined)).toBeUndefined();
    expect(toAttributeValues({ a: 'x', n: 1 })).toStrictEqual({
      a: { DataType: 'String', StringValue: 'x' },
      n: { DataType: 'Number', StringValue: '1' },
    });
  });
});

describe('attributeBaseType', () => {
  it.each([
    ['String', 'String'],
    ['Number.float', 'Number'],
    ['Binary.gzip', 'Binary'],
    [undefined, 'String'],
    ['Numeric', undefined],
    ['string', undefined],
  ])('%s → %s', (dataType, base) => {
    expect(attributeBaseType(dataType)).toBe(base);
  });
});

describe('an attribute named __proto__', () => {
  it('comes out as an attribute and does not change what the record inherits', () => {
    const attributes = JSON.parse(
      '{"__proto__": {"DataType": "Binary", "BinaryValue": null}, "plain": {"DataType": "String", "StringValue": "x"}}',
    ) as Record<string, MessageAttributeValue>;
    const proto = Object.getOwnPropertyDescriptor(attributes, '__proto__')
      ?.value as MessageAttributeValue;
    proto.BinaryValue = new Uint8Array([1, 2]);
    const simple = simplifyAttributes(attributes);
    expect(Object.keys(simple).sort()).toEqual(['__proto__', 'plain']);
    expect(Object.getPrototypeOf(simple)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(simple, '__proto__')?.value).toEqual(
      new Uint8Array([1, 2]),
    );
  });
});
