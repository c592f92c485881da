import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3's limit on one CopyObject or one UploadPartCopy. */
export const MAX_COPY_SIZE = 5 * 1024 ** 3;
/** S3's smallest part, except the last one of an upload. */
export const MIN_PART_SIZE = 5 * 1024 ** 2;

export interface CopyTarget {
  readonly client: S3Client;
  readonly bucket: string;
  /** Largest single copy; S3's 5 GiB unless a test lowers it. */
  readonly maxCopySize: number;
}

export interface SourceObject {
  readonly key: string;
  readonly size: number;
}

/** `x-amz-copy-source`: the bucket and the key, URL-encoded segment by segment. */
const copySource = (bucket: string, key: string): string => `${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;

/** Copies an object inside the store, without its bytes passing through Berth. */
export async function copyObject(target: CopyTarget, source: SourceObject, key: string): Promise<void> {
  if (source.size <= target.maxCopySize) {
    await target.client.send(new CopyObjectCommand({ Bucket: target.bucket, Key: key, CopySource: copySource(target.bucket, source.key) }));
    return;
  }
  await concatObjects(target, [source], key);
}

/**
 * Writes `key` as the concatenation of `sources`, server-side, with a multipart upload of UploadPartCopy
 * parts. Every source but the last must be at least MIN_PART_SIZE. A source larger than one copy may take is
 * cut into equal ranges, so no range but the very last is ever below the minimum part size.
 */
export async function concatObjects(target: CopyTarget, sources: readonly SourceObject[], key: string): Promise<void> {
  const { client, bucket } = target;
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  try {
    const parts: CompletedPart[] = [];
    for (const source of sources) {
      if (source.size === 0) continue;
      const pieces = Math.ceil(source.size / target.maxCopySize);
      const step = Math.ceil(source.size / pieces);
      for (let start = 0; start < source.size; start += step) {
        const end = Math.min(start + step, source.size) - 1;
        const PartNumber = parts.length + 1;
        const result = await client.send(
          new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId, PartNumber, CopySource: copySource(bucket, source.key), CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ PartNumber, ETag: result.CopyPartResult?.ETag });
      }
    }
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
    throw err;
  }
}
