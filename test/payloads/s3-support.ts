/**
 * S3 on fauxqs for the large-payload tests: clients that count (and can delay or fail) their
 * requests, buckets, and what a bucket holds.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { endpoint, nextSeq } from '../support/sqs.js';

export interface S3Request {
  command: string;
  input: Record<string, unknown>;
  seq: number;
  doneSeq?: number;
  failed?: boolean;
}

export interface CountingS3 {
  client: S3Client;
  /** Requests by command name (GetObjectCommand, DeleteObjectCommand…), counted as sent. */
  counts: Record<string, number>;
  log: S3Request[];
}

export interface S3Faults {
  /** Every GetObject waits this long before going out. */
  getDelayMs?: number;
  /** The first N GetObject calls fail with a 503 (SlowDown) before reaching S3. */
  failFirstGets?: number;
}

function newClient(): S3Client {
  return new S3Client({
    endpoint: endpoint(),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/** An S3Client for fauxqs whose requests are counted by a middleware (and delayed or failed). */
export function countingS3(faults: S3Faults = {}): CountingS3 {
  const client = newClient();
  const counts: Record<string, number> = {};
  const log: S3Request[] = [];
  let failuresLeft = faults.failFirstGets ?? 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      counts[command] = (counts[command] ?? 0) + 1;
      const entry: S3Request = {
        command,
        input: args.input as Record<string, unknown>,
        seq: nextSeq(),
      };
      log.push(entry);
      try {
        if (command === 'GetObjectCommand') {
          if (faults.getDelayMs) await new Promise((r) => setTimeout(r, faults.getDelayMs));
          if (failuresLeft > 0) {
            failuresLeft--;
            throw Object.assign(new Error('Please reduce your request rate.'), {
              name: 'SlowDown',
              $fault: 'server',
              $metadata: { httpStatusCode: 503 },
            });
          }
        }
        return await next(args);
      } catch (error) {
        entry.failed = true;
        throw error;
      } finally {
        entry.doneSeq = nextSeq();
      }
    },
    // Before the SDK's retries: an injected fault fails the call once, as S3 failing every
    // retry would.
    { step: 'initialize', name: 'countS3Requests' },
  );
  return { client, counts, log };
}

let admin: S3Client | undefined;
/** A plain client for setting up and inspecting buckets (not counted). */
export function adminS3(): S3Client {
  admin ??= newClient();
  return admin;
}

/** Creates a bucket (a unique name unless `name` is given; creating twice is fine). */
export async function createBucket(name = `payloads-${randomUUID().slice(0, 8)}`): Promise<string> {
  await adminS3().send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

export async function putObject(bucket: string, key: string, body: string): Promise<void> {
  await adminS3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Whether the object exists now. */
export async function objectExists(bucket: string, key: string): Promise<boolean> {
  try {
    await adminS3().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return false;
    throw error;
  }
}
