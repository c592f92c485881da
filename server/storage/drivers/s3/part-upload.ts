import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

export interface PartUploadTarget {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
  /** Bytes per part (at least S3's 5 MiB minimum); memory per upload is about (queueSize + 1) × partSize. */
  readonly partSize: number;
  /** Parts sent at once. */
  readonly queueSize: number;
}

/**
 * Part buffers a finished UploadPart gave back, for the next part of any upload. Each new 8 MiB buffer is
 * memory V8 counts as external, and a steady stream of them made it run full collections: reused, a 1 GiB
 * push allocates a handful instead of 128.
 */
const spare: Buffer[] = [];
const SPARE_PARTS = 4;

function partBuffer(size: number): Buffer {
  const index = spare.findIndex((b) => b.length === size);
  return index >= 0 ? (spare.splice(index, 1)[0] as Buffer) : Buffer.allocUnsafeSlow(size);
}

function giveBack(buffer: Buffer): void {
  if (spare.length < SPARE_PARTS) spare.push(buffer);
}

/**
 * Writes one object from bytes that arrive in pieces: they are copied into buffers of exactly one part, and
 * each full part is sent (UploadPart) while the next one fills. An object smaller than a part is one
 * PutObject. S3 shows the object only when the upload completes, whole.
 *
 * Why not lib-storage's `Upload` with a stream: it keeps the stream's chunks (a socket's 64 KiB reads) until
 * a part is full, then joins them into a new buffer. Kept that long, the chunks outlived V8's young
 * generation: a 1 GiB push to S3 spent 2.2 CPU-s in full collections. Copied here, a chunk is garbage as soon
 * as it is taken, and a young-generation collection frees it (`runtime/read-buffers.ts`).
 */
export class PartUpload {
  private part: Buffer;
  private fill = 0;
  private uploadId: Promise<string> | undefined;
  private readonly sent: CompletedPart[] = [];
  private nextPart = 1;
  private readonly sending = new Set<Promise<void>>();
  private failure: unknown;
  private taking: Promise<void> | undefined;
  /** Set by `complete`: no more bytes come. */
  private closed = false;

  /** `head`: bytes that go first (an append's small existing object, smaller than a part). */
  constructor(
    private readonly target: PartUploadTarget,
    head?: Buffer,
  ) {
    if (head && head.length >= target.partSize) throw new Error(`s3: a re-sent head of ${head.length} bytes must be smaller than a part (${target.partSize})`);
    this.part = partBuffer(target.partSize);
    if (head) this.fill = head.copy(this.part);
  }

  /**
   * Copies `chunk` in. Resolves once it is all copied and no more than `queueSize` parts are on their way.
   * One chunk at a time (a writable's writes are sequential).
   */
  take(chunk: Buffer): Promise<void> {
    const taking = this.copyIn(chunk);
    this.taking = taking.catch(() => undefined);
    return taking;
  }

  private async copyIn(chunk: Buffer): Promise<void> {
    if (this.closed) throw new Error('s3: bytes written after the upload was completed');
    let offset = 0;
    while (offset < chunk.length) {
      if (this.failure !== undefined) throw this.failure;
      const n = chunk.copy(this.part, this.fill, offset);
      this.fill += n;
      offset += n;
      if (this.fill === this.target.partSize) {
        this.sendPart();
        while (this.sending.size >= this.target.queueSize) await Promise.race(this.sending);
      }
    }
  }

  /** Sends what is left and makes the object: one PutObject when no part was sent, else the last part and CompleteMultipartUpload. */
  async complete(): Promise<void> {
    // A writer destroyed mid-chunk may still be copying it in: the last part is what it leaves.
    await this.taking;
    if (this.failure !== undefined) throw this.failure;
    this.closed = true;
    const { client, bucket, key } = this.target;
    if (!this.uploadId) {
      const part = this.part;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: part.subarray(0, this.fill), ContentLength: this.fill }));
      giveBack(part);
      return;
    }
    if (this.fill > 0) this.sendPart();
    else giveBack(this.part);
    await Promise.all(this.sending);
    if (this.failure !== undefined) throw this.failure;
    const Parts = [...this.sent].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: await this.uploadId, MultipartUpload: { Parts } }));
  }

  /** Drops the parts sent so far (the object is never made). */
  async abort(): Promise<void> {
    this.failure ??= new Error('s3: upload aborted');
    this.closed = true;
    await Promise.allSettled(this.sending);
    const uploadId = await this.uploadId?.catch(() => undefined);
    if (uploadId === undefined) return;
    const { client, bucket, key } = this.target;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }

  private sendPart(): void {
    const { client, bucket, key } = this.target;
    const full = this.part;
    const body = full.subarray(0, this.fill);
    const PartNumber = this.nextPart++;
    // The last part (sent by `complete`) needs no buffer after it.
    this.part = this.closed ? Buffer.alloc(0) : partBuffer(this.target.partSize);
    this.fill = 0;
    this.uploadId ??= client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key })).then(({ UploadId }) => {
      if (!UploadId) throw new Error(`s3: the store started no multipart upload for ${key}`);
      return UploadId;
    });
    const uploadId = this.uploadId;
    const sending = (async () => {
      const UploadId = await uploadId;
      const result = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, Body: body, ContentLength: body.length }));
      this.sent.push({ PartNumber, ETag: result.ETag });
      // Only after a request that succeeded: a failed one may have left its body queued on a socket.
      giveBack(full);
    })().catch((err: unknown) => {
      this.failure ??= err;
    });
    this.sending.add(sending);
    void sending.finally(() => this.sending.delete(sending));
  }
}
