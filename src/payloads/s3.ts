/**
 * The S3 calls of large payloads, and the only place `@aws-sdk/client-s3` is loaded: an optional
 * peer dependency, imported on first use, so that a user without `largePayloads` loads nothing
 * more (`test/payloads/lazy-import.test.ts` checks it).
 */
import { SqsListenerError } from '../shared/errors.js';
import type { S3ClientLike } from './options.js';
import { PayloadError } from './payload-error.js';
import type { S3Location } from './pointer.js';

type S3Module = typeof import('@aws-sdk/client-s3');

let loading: Promise<S3Module> | undefined;

/** `@aws-sdk/client-s3`, imported once; a clear error when it is not installed. */
export function loadS3(): Promise<S3Module> {
  loading ??= import('@aws-sdk/client-s3').catch((cause: unknown) => {
    loading = undefined;
    throw new SqsListenerError(
      'largePayloads needs the optional peer dependency @aws-sdk/client-s3: npm install @aws-sdk/client-s3',
      { code: 'MissingPeerDependency', cause },
    );
  });
  return loading;
}

/** An `S3Client` built from the environment (region, credentials), as the SQS client is. */
export async function defaultS3Client(): Promise<S3ClientLike> {
  const { S3Client } = await loadS3();
  return new S3Client({});
}

function send(client: S3ClientLike, command: unknown, signal?: AbortSignal): Promise<unknown> {
  const call = client.send as (command: unknown, options?: object) => Promise<unknown>;
  return call.call(client, command, signal === undefined ? undefined : { abortSignal: signal });
}

/** The payload as text, and its size in bytes. */
export interface FetchedPayload {
  body: string;
  size: number;
}

/**
 * Reads the object as UTF-8 text (what the Extended Clients store). Throws a `PayloadError`:
 * `PayloadMissing` when S3 has no such key, `PayloadFetchFailed` for anything else.
 */
export async function getPayload(
  client: S3ClientLike,
  location: S3Location,
  signal: AbortSignal,
): Promise<FetchedPayload> {
  const { GetObjectCommand } = await loadS3();
  const what = `s3://${location.bucket}/${location.key}`;
  let bytes: Uint8Array;
  try {
    const output = (await send(
      client,
      new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
      signal,
    )) as { Body?: { transformToByteArray(): Promise<Uint8Array> } };
    if (output.Body === undefined) throw new Error('S3 returned no body');
    bytes = await output.Body.transformToByteArray();
  } catch (cause) {
    // Only NoSuchKey means the object is gone. NoSuchBucket, AccessDenied (which S3 answers
    // for a missing key when the caller lacks s3:ListBucket) and the rest may be fixed: retry.
    const missing = (cause as { name?: unknown } | null)?.name === 'NoSuchKey';
    throw new PayloadError(
      missing ? `Payload ${what} does not exist` : `Could not fetch payload ${what}`,
      { code: missing ? 'PayloadMissing' : 'PayloadFetchFailed', cause, ...location },
    );
  }
  return { body: Buffer.from(bytes).toString('utf8'), size: bytes.byteLength };
}

/** Deletes the object (the payload of an acked message). */
export async function deletePayload(client: S3ClientLike, location: S3Location): Promise<void> {
  const { DeleteObjectCommand } = await loadS3();
  await send(client, new DeleteObjectCommand({ Bucket: location.bucket, Key: location.key }));
}

/** Stores `body` (UTF-8) as the object. */
export async function putPayload(
  client: S3ClientLike,
  location: S3Location,
  body: string,
  signal?: AbortSignal,
): Promise<void> {
  const { PutObjectCommand } = await loadS3();
  await send(
    client,
    new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: body }),
    signal,
  );
}
