/**
 * The OCI Distribution wire error codes: one registration per code, with the HTTP status Berth answers
 * and the message clients see. Handlers never build error bodies themselves; they throw, and
 * `http/v2/respond.ts` (`sendWireError`) writes `{"errors":[{code,message,detail}]}` once.
 */
export interface WireCodeSpec {
  readonly status: number;
  readonly message: string;
  readonly description: string;
}

const registry = new Map<string, WireCodeSpec>();

function register<const C extends string>(code: C, spec: WireCodeSpec): C {
  if (registry.has(code)) throw new Error(`wire error code registered twice: ${code}`);
  registry.set(code, spec);
  return code;
}

export const WireCode = {
  BLOB_UNKNOWN: register('BLOB_UNKNOWN', { status: 404, message: 'blob unknown to registry', description: 'The blob is not in this repository.' }),
  BLOB_UPLOAD_INVALID: register('BLOB_UPLOAD_INVALID', { status: 400, message: 'blob upload invalid', description: 'The upload session cannot take this request.' }),
  BLOB_UPLOAD_UNKNOWN: register('BLOB_UPLOAD_UNKNOWN', { status: 404, message: 'blob upload unknown to registry', description: 'No upload session with this id exists in this repository.' }),
  DIGEST_INVALID: register('DIGEST_INVALID', { status: 400, message: 'provided digest did not match uploaded content', description: 'The digest is missing, malformed, of an unsupported algorithm, or does not match the content.' }),
  MANIFEST_BLOB_UNKNOWN: register('MANIFEST_BLOB_UNKNOWN', { status: 400, message: 'manifest references a manifest or blob unknown to registry', description: 'A descriptor in the manifest points at content this repository does not have.' }),
  MANIFEST_INVALID: register('MANIFEST_INVALID', { status: 400, message: 'manifest invalid', description: 'The manifest is not valid JSON, has an unsupported media type, or fails validation.' }),
  MANIFEST_UNKNOWN: register('MANIFEST_UNKNOWN', { status: 404, message: 'manifest unknown', description: 'No manifest for this tag or digest in this repository.' }),
  NAME_INVALID: register('NAME_INVALID', { status: 400, message: 'invalid repository name', description: 'The repository name does not match the distribution grammar.' }),
  NAME_UNKNOWN: register('NAME_UNKNOWN', { status: 404, message: 'repository name not known to registry', description: 'The repository does not exist.' }),
  SIZE_INVALID: register('SIZE_INVALID', { status: 400, message: 'provided length did not match content length', description: 'Content-Length or Content-Range disagrees with the bytes received.' }),
  TAG_INVALID: register('TAG_INVALID', { status: 400, message: 'manifest tag did not match URI', description: 'The tag does not match the tag grammar.' }),
  UNAUTHORIZED: register('UNAUTHORIZED', { status: 401, message: 'authentication required', description: 'Credentials are missing or wrong.' }),
  DENIED: register('DENIED', { status: 403, message: 'requested access to the resource is denied', description: 'The caller may not perform this operation.' }),
  UNSUPPORTED: register('UNSUPPORTED', { status: 405, message: 'the operation is unsupported', description: 'The method or operation is not supported here.' }),
  TOOMANYREQUESTS: register('TOOMANYREQUESTS', { status: 429, message: 'too many requests', description: 'The client is rate limited.' }),
  PAGINATION_NUMBER_INVALID: register('PAGINATION_NUMBER_INVALID', { status: 400, message: 'invalid number of results requested', description: 'The `n` query parameter is not a non-negative integer within the limit.' }),
  RANGE_INVALID: register('RANGE_INVALID', { status: 416, message: 'invalid content range', description: 'The chunk does not start where the upload ends, or the requested byte range cannot be satisfied.' }),
  UNKNOWN: register('UNKNOWN', { status: 500, message: 'unknown error', description: 'An unexpected server error.' }),
  UNAVAILABLE: register('UNAVAILABLE', { status: 503, message: 'service unavailable', description: 'The storage backend is unavailable.' }),
} as const;

export type WireCode = (typeof WireCode)[keyof typeof WireCode];

export function wireCodeSpec(code: WireCode): WireCodeSpec {
  const spec = registry.get(code);
  if (!spec) throw new Error(`unregistered wire error code: ${code}`);
  return spec;
}

export function allWireCodes(): ReadonlyMap<string, WireCodeSpec> {
  return registry;
}
