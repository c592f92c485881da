import { BerthError, RangeNotSatisfiableError } from '../../errors/domain.js';
import { parseDigest } from '../../oci/digest.js';
import { sendEmpty } from './respond.js';
import type { V2Handler } from './context.js';

/** A satisfiable single byte range, per RFC 9110 (`a-b`, `a-`, `-n`); undefined means "send it all". */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges or another unit: ignoring the header and sending everything is allowed.
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw new RangeNotSatisfiableError(size, header);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) throw new RangeNotSatisfiableError(size, header);
  }
  if (start >= size || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) throw new RangeNotSatisfiableError(size, header);
  return { start, end };
}

/** `GET|HEAD /v2/<name>/blobs/<digest>`: the blob's bytes (or a range of them) if the repository has it. */
export const getBlob: V2Handler = async ({ req, res, store, name, param, headOnly, mirror }) => {
  const digest = parseDigest(param);
  let blob = await store.repositories.statBlob(name, digest);
  if (!blob && mirror) {
    const pulled = await mirror.pullBlob(name, digest, { req, res, headOnly });
    if (pulled === 'sent') return;
    blob = pulled;
  }
  if (!blob) throw new BerthError('blob-not-found', `blob ${digest.value} is not in repository ${name}`, { digest: digest.value });
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest.value,
    ETag: `"${digest.value}"`,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'max-age=31536000',
  };
  const range = blob.size > 0 ? parseRange(req.headers.range, blob.size) : undefined;
  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : blob.size;
  headers['Content-Length'] = String(length);
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${blob.size}`;
  if (headOnly || length === 0) {
    res.writeHead(range ? 206 : 200, headers);
    res.end();
    return;
  }
  // With redirects turned on the store serves the bytes itself; a client sends its Range again there.
  const redirect = await store.blobs.redirectUrl(digest);
  if (redirect) {
    res.writeHead(307, { Location: redirect, 'Docker-Content-Digest': digest.value, 'Content-Length': '0' });
    res.end();
    return;
  }
  await store.blobs.send(digest, res, { offset: start, length }, () => res.writeHead(range ? 206 : 200, headers));
};

/** `DELETE /v2/<name>/blobs/<digest>`: drops the repository's link; the bytes go at the next GC. */
export const deleteBlob: V2Handler = async ({ res, store, name, param }) => {
  await store.repositories.unlinkBlob(name, parseDigest(param));
  sendEmpty(res, 202);
};
