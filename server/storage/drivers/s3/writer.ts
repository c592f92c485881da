import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from '../../driver.js';
import { concatObjects, MIN_PART_SIZE, type CopyTarget } from './copy.js';
import { storageError } from './errors.js';

export interface WriterContext extends CopyTarget {
  readonly client: S3Client;
  /** Bytes per multipart part; memory per writer is about (queueSize + 2) × partSize. */
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
  // The caller's stream only forwards into `body`; if the caller's pipeline breaks, what arrived can still be
  // committed (a resumable upload keeps the bytes that made it), because `body` is ended only by commit.
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  let written = 0;
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.length;
      body.write(chunk, (err) => callback(err ?? null));
    },
  });
  if (plan.head) body.write(plan.head);
  const upload = new Upload({
    client: ctx.client,
    params: { Bucket: ctx.bucket, Key: uploadKey, Body: body },
    partSize: ctx.partSize,
    queueSize: ctx.queueSize,
    leavePartsOnError: false,
  });
  let failure: Error | undefined;
  const done = upload.done().then(
    () => undefined,
    (err: unknown) => {
      failure = storageError('upload to', ctx.bucket, uploadKey, err);
      stream.destroy(failure);
      body.destroy();
    },
  );
  let settled = false;

  return {
    stream,
    size: () => plan.existingSize + written,
    commit: async () => {
      if (settled) throw new Error('s3: writer already committed or cancelled');
      settled = true;
      if (!stream.destroyed && !stream.writableEnded) stream.end();
      await finished(stream).catch(() => undefined);
      body.end();
      await done;
      if (failure) throw failure;
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
      await upload.abort().catch(() => undefined);
      stream.destroy();
      body.destroy();
      await done;
    },
  };
}
