/**
 * The pointer format: reading what the Java and Python Extended Clients write, refusing what is
 * not a pointer, and writing byte for byte what the Java library writes.
 */
import { describe, expect, it } from 'vitest';
import { PayloadPointerError } from '../../src/index.js';
import {
  attributesSize,
  formatPointer,
  parsePointer,
  payloadMarker,
  payloadSizeAttribute,
  withoutMarkers,
} from '../../src/payloads/pointer.js';
import { FIXTURE_BUCKET, POINTER_FIXTURES } from '../fixtures/extended-client-pointers.js';

describe('reading pointers', () => {
  it.each(POINTER_FIXTURES.map((f) => [f.producer, f] as const))(
    '%s: marker found, bucket and key read',
    (_producer, fixture) => {
      expect(payloadMarker(fixture.messageAttributes)).toBeDefined();
      expect(parsePointer(fixture.body, 'm-1')).toEqual({
        bucket: FIXTURE_BUCKET,
        key: fixture.key,
      });
    },
  );

  it('finds the current marker first, then the legacy one, and nothing else', () => {
    const n = { DataType: 'Number', StringValue: '5' };
    expect(payloadMarker({ ExtendedPayloadSize: n, SQSLargePayloadSize: n })).toBe(
      'ExtendedPayloadSize',
    );
    expect(payloadMarker({ SQSLargePayloadSize: n })).toBe('SQSLargePayloadSize');
    expect(payloadMarker({ extendedpayloadsize: n, S3Key: n })).toBeUndefined();
    expect(payloadMarker(undefined)).toBeUndefined();
  });

  it('ignores unknown fields, as the Java reader does', () => {
    const body =
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3Key":"k","extra":1,"s3BucketName":"b-1"}]';
    expect(parsePointer(body, 'm')).toEqual({ bucket: 'b-1', key: 'k' });
  });

  const bad: Array<[string, string]> = [
    ['not JSON', 'hello'],
    ['an object, not an array', '{"s3BucketName":"b","s3Key":"k"}'],
    ['no class name', '[{"s3BucketName":"b","s3Key":"k"}]'],
    ['an unknown class', '["java.lang.Object",{"s3BucketName":"b","s3Key":"k"}]'],
    ['three elements', '["software.amazon.payloadoffloading.PayloadS3Pointer",{},{}]'],
    ['fields not an object', '["software.amazon.payloadoffloading.PayloadS3Pointer",["b","k"]]'],
    ['no bucket', '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3Key":"k"}]'],
    [
      'a number key',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":7}]',
    ],
    [
      'an empty key',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":""}]',
    ],
    [
      'a bucket that would reshape the URL',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"evil.example/x?","s3Key":"k"}]',
    ],
    [
      'a bucket with userinfo',
      '["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"a@b","s3Key":"k"}]',
    ],
    [
      'a key over 1,024 bytes',
      `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":"${'é'.repeat(513)}"}]`,
    ],
    ['a huge body', `[${'1,'.repeat(100_000)}1]`],
  ];
  it.each(bad)(
    'refuses %s: PayloadPointerError InvalidPayloadPointer, non-retryable',
    (_what, body) => {
      let caught: unknown;
      try {
        parsePointer(body, 'msg-7');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PayloadPointerError);
      expect(caught).toMatchObject({ code: 'InvalidPayloadPointer', messageId: 'msg-7' });
      expect((caught as Error).message).toContain('msg-7');
    },
  );
});

describe('writing pointers', () => {
  it('writes the body exactly as the Java library does', () => {
    const java = POINTER_FIXTURES[1]!;
    expect(formatPointer({ bucket: FIXTURE_BUCKET, key: java.key })).toBe(java.body);
  });

  it('writes the marker as a Number holding the size in bytes', () => {
    expect(payloadSizeAttribute(2_097_152)).toEqual({ DataType: 'Number', StringValue: '2097152' });
  });

  it('counts attribute bytes as the Extended Clients do (name, type, value)', () => {
    expect(
      attributesSize({
        kind: { DataType: 'String', StringValue: 'größe' },
        raw: { DataType: 'Binary', BinaryValue: new Uint8Array(3) },
      }),
    ).toBe(4 + 6 + 7 + 3 + 6 + 3);
    expect(attributesSize(undefined)).toBe(0);
  });

  it('drops both markers, and only them, from what the handler sees', () => {
    const n = { DataType: 'Number', StringValue: '1' };
    expect(withoutMarkers({ ExtendedPayloadSize: n, SQSLargePayloadSize: n, kind: n })).toEqual({
      kind: n,
    });
  });
});
