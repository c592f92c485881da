import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '../../driver.js';
import { concatObjects, MIN_PART_SIZE, type CopyTarget } from './copy.js';
import { storageError } from './errors.js';
import { PartUpload } from './part-upload.js';

export interface WriterContext extends CopyTarget {
  readonly client: S3Client;
  /** Bytes per multipart part; memory per writer is about (queueSize + 1) × partSize (part-upload.ts). */
  readonly partSize: number;
  readonly queueSize: number;
}

/**
 * How the writer lands its bytes: `key` is the object that holds the file once committed. For an append,
 * `existing` is what the object held when the writer opened; a small one is re-sent in front of the new bytes
 * (`head`), a large one stays where it is and the new bytes go to `tempKey`, to be joined server-side.
 */
export interface WriterPlan {
  readonly key: string;
  readonly existingSize: number;
  readonly head?: Buffer;
  readonly tempKey?: string;
}

/**
 * Appends that survive restarts and work across instances need the data in the bucket after each commit, and
 * S3 objects cannot grow in place. Of the two designs (keep each append as a separate part object and make
 * every reader, stat and move join them, or rewrite the object at each commit) this takes the second: the
 * file stays one plain object, so stat, ranged reads and moves are single requests and every other tool
 * sees ordinary objects. The rewrite costs no traffic through Berth: an object of 5 MiB or more is reused as
 * the first part(s) of a multipart upload by UploadPartCopy (server-side); a smaller one (below S3's minimum
 * part size) is read back, at most 5 MiB in memory, and re-sent ahead of the new bytes. Registry clients push
 * a blob in one or a few chunks, so the server-side copies stay few.
 */
export function planWriter(key: string, existingSize: number | undefined, options: { append: boolean; tempKey: string }): { needsHead: boolean; plan: WriterPlan } {
  if (!options.append || existingSize === undefined) return { needsHead: false, plan: { key, existingSize: 0 } };
  if (existingSize < MIN_PART_SIZE) return { needsHead: existingSize > 0, plan: { key, existingSize } };
  return { needsHead: false, plan: { key, existingSize, tempKey: options.tempKey } };
}

export function openWriter(ctx: WriterContext, plan: WriterPlan): FileWriter {
  const uploadKey = plan.tempKey ?? plan.key;
  const upload = new PartUpload({ client: ctx.client, bucket: ctx.bucket, key: uploadKey, partSize: ctx.partSize, queueSize: ctx.queueSize }, plan.head);
  let written = 0;
  // The caller's stream only copies into the upload; if the caller's pipeline breaks, what arrived can still
  // be committed (a resumable upload keeps the bytes that made it): the upload completes only on commit.
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      upload.take(chunk).then(
        () => {
          written += chunk.length;
          callback();
        },
        (err: unknown) => callback(storageError('upload to', ctx.bucket, uploadKey, err)),
      );
    },
  });
  let settled = false;

  return {
    stream,
    size: () => plan.existingSize + written,
    commit: async () => {
      if (settled) throw new Error('s3: writer already committed or cancelled');
      settled = true;
      if (!stream.destroyed && !stream.writableEnded) stream.end();
      await finished(stream).catch(() => undefined);
      try {
        await upload.complete();
      } catch (err) {
        await upload.abort().catch(() => undefined);
        throw storageError('upload to', ctx.bucket, uploadKey, err);
      }
      if (!plan.tempKey) return;
      try {
        if (written > 0) {
          await concatObjects(ctx, [{ key: plan.key, size: plan.existingSize }, { key: plan.tempKey, size: written }], plan.key);
        }
      } catch (err) {
        throw storageError('append to', ctx.bucket, plan.key, err);
      } finally {
        await ctx.client.send(new DeleteObjectCommand({ Bucket: ctx.bucket, Key: plan.tempKey })).catch(() => undefined);
      }
    },
    cancel: async () => {
      if (settled) return;
      settled = true;
      stream.destroy();
      await upload.abort().catch(() => undefined);
    },
  };
}
