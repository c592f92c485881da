import { BerthError } from '../../../errors/domain.js';

interface SdkError {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

const statusOf = (err: unknown): number | undefined => (err as SdkError | undefined)?.$metadata?.httpStatusCode;
const nameOf = (err: unknown): string => {
  const e = err as SdkError | undefined;
  return e?.name ?? e?.Code ?? e?.code ?? 'Error';
};

/** The object (or the key's parent "folder") does not exist. */
export const isNotFound = (err: unknown): boolean => {
  const name = nameOf(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (statusOf(err) === 404 && name !== 'NoSuchBucket' && name !== 'NoSuchUpload');
};

/** A range starting at or past the end of the object. */
export const isRangeNotSatisfiable = (err: unknown): boolean => statusOf(err) === 416 || nameOf(err) === 'InvalidRange';

/**
 * Translates an SDK failure into a storage error whose message says what to fix. The SDK's messages never
 * contain credentials and neither does this one: only the bucket, the key and the store's answer.
 */
export function storageError(operation: string, bucket: string, key: string | undefined, err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const name = nameOf(err);
  const status = statusOf(err);
  const where = key === undefined ? `bucket ${bucket}` : `s3://${bucket}/${key}`;
  const attempts = (err as SdkError | undefined)?.$metadata?.attempts;
  const tried = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  let hint: string;
  if (name === 'NoSuchBucket' || (status === 404 && key === undefined)) hint = `bucket ${bucket} does not exist`;
  else if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403) hint = `access denied (${name}); check the access key, secret and bucket permissions`;
  else if (name === 'SlowDown' || status === 503 || status === 429) hint = `the store is throttling or unavailable (${name})${tried}`;
  else if (name === 'TimeoutError' || name === 'RequestTimeout' || /ETIMEDOUT|ECONNRESET|ECONNREFUSED|socket hang up/i.test(String((err as SdkError)?.message))) {
    hint = `the store did not answer (${name}: ${(err as SdkError).message ?? ''})${tried}`;
  } else hint = `${name}${status ? ` (HTTP ${status})` : ''}: ${(err as SdkError | undefined)?.message ?? String(err)}`;
  const requestId = (err as { $metadata?: { requestId?: string } } | undefined)?.$metadata?.requestId;
  // The SDK error itself is not kept as the cause: it carries the signed request (access key id, signature).
  return new BerthError('storage', `s3: ${operation} ${where} failed: ${hint}${requestId ? ` [request ${requestId}]` : ''}`);
}
