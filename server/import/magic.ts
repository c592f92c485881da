import { archiveInvalid } from './limits.js';

/**
 * What the first bytes of an archive (or of a layer) are. The importer decides by content, never by the
 * file name: `app.tar`, `app.tgz`, `app.tar.zst` and `app` are read the same way.
 */
export type Compression = 'gzip' | 'zstd' | 'none';

export const isGzip = (head: Buffer): boolean => head.byteLength >= 2 && head[0] === 0x1f && head[1] === 0x8b;
export const isZstd = (head: Buffer): boolean => head.byteLength >= 4 && head.readUInt32BE(0) === 0x28b52ffd;

export const compressionOf = (head: Buffer): Compression => (isGzip(head) ? 'gzip' : isZstd(head) ? 'zstd' : 'none');

/** Formats people do hand over that we do not read, each with what to do instead. */
const UNSUPPORTED: readonly { readonly magic: Buffer; readonly what: string; readonly fix: string }[] = [
  { magic: Buffer.from('BZh'), what: 'bzip2-compressed', fix: 'decompress it first (`bunzip2`)' },
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), what: 'xz-compressed', fix: 'decompress it first (`xz -d`)' },
  { magic: Buffer.from([0x04, 0x22, 0x4d, 0x18]), what: 'lz4-compressed', fix: 'decompress it first (`lz4 -d`)' },
  { magic: Buffer.from('PK\x03\x04', 'latin1'), what: 'a zip file', fix: 'unzip it and import the tar inside' },
  { magic: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]), what: 'a 7-Zip file', fix: 'extract it and import the tar inside' },
];

/** Refuses the compressions and containers we know but do not read, naming them. */
export function refuseUnsupported(head: Buffer): void {
  for (const u of UNSUPPORTED) {
    if (head.byteLength >= u.magic.byteLength && head.subarray(0, u.magic.byteLength).equals(u.magic)) {
      throw archiveInvalid(`the archive is ${u.what}, which is not read here: ${u.fix}, or import the plain, gzip or zstd tar`);
    }
  }
}

const TAR_BLOCK = 512;

/** A tar header block: its checksum field matches the sum of its bytes (POSIX, with the field as spaces). */
export function isTarHeader(block: Buffer): boolean {
  if (block.byteLength < TAR_BLOCK) return false;
  if (block.subarray(0, TAR_BLOCK).every((b) => b === 0)) return true; // an empty tar: only the end marker
  const field = block.toString('latin1', 148, 156).replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === parseInt(field, 8);
}

const KNOWN: readonly { readonly magic: Buffer; readonly what: string }[] = [
  { magic: Buffer.from([0x89, 0x50, 0x4e, 0x47]), what: 'a PNG image' },
  { magic: Buffer.from('%PDF'), what: 'a PDF document' },
  { magic: Buffer.from([0x7f, 0x45, 0x4c, 0x46]), what: 'an ELF executable' },
  { magic: Buffer.from('!<arch>'), what: 'an ar archive (a .deb?)' },
  { magic: Buffer.from([0xff, 0xd8, 0xff]), what: 'a JPEG image' },
];

/** Says in a few words what some bytes look like, for an error about a file that is not a tar. */
export function describeBytes(head: Buffer): string {
  if (head.byteLength === 0) return 'nothing (it is empty)';
  for (const k of KNOWN) if (head.byteLength >= k.magic.byteLength && head.subarray(0, k.magic.byteLength).equals(k.magic)) return k.what;
  const sample = head.subarray(0, 64);
  const text = sample.toString('utf8');
  const printable = !text.includes('\uFFFD') && /^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(text);
  if (printable) {
    const trimmed = text.trimStart();
    const kind = trimmed.startsWith('{') || trimmed.startsWith('[') ? 'JSON text' : 'text';
    return `${kind} (${JSON.stringify(text.slice(0, 40))}${text.length > 40 ? '…' : ''})`;
  }
  if (head.subarray(0, TAR_BLOCK).every((b) => b === 0)) return 'zero bytes';
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `the bytes ${hex}, which begin no archive format read here`;
}
