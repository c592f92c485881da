import { isIP } from 'node:net';
import { OsError } from '../exec.js';

export const BEGIN_MARKER = '# BEGIN berth';
export const END_MARKER = '# END berth';

export interface HostsEntry {
  readonly ip: string;
  readonly hostname: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** RFC 1123 names only: nothing that could end the line, start a comment or add a second entry. */
export function validateHostname(hostname: string): string {
  if (typeof hostname !== 'string' || hostname.length < 1 || hostname.length > 253) throw new OsError('invalid', 'host name must be 1 to 253 characters');
  const labels = hostname.split('.');
  if (!labels.every((l) => LABEL.test(l))) throw new OsError('invalid', `invalid host name ${JSON.stringify(hostname)}: letters, digits, "-" and "." only`);
  if (isIP(hostname) !== 0 || /^\d+$/.test(labels[labels.length - 1] ?? '')) throw new OsError('invalid', `${hostname} is an address, not a host name`);
  return hostname.toLowerCase();
}

export function validateIp(ip: string): string {
  if (typeof ip !== 'string' || isIP(ip) === 0 || /[\s#%]/.test(ip)) throw new OsError('invalid', `invalid IP address ${JSON.stringify(ip)}`);
  return ip;
}

/**
 * A file as lines that each keep their own terminator, so untouched lines come back byte for byte. Only
 * LF ends a line; a bare CR (even a final one) stays part of its line's text.
 */
const splitKeepingEol = (text: string): string[] => (text === '' ? [] : text.split(/(?<=\n)/));
const terminator = (line: string): string => /\r?\n$/.exec(line)?.[0] ?? '';
const body = (line: string): string => line.slice(0, line.length - terminator(line).length);

function findBlock(lines: readonly string[]): { begin: number; end: number } | undefined {
  const begin = lines.findIndex((l) => body(l).trim() === BEGIN_MARKER);
  if (begin < 0) {
    if (lines.some((l) => body(l).trim() === END_MARKER)) throw new OsError('invalid', `the hosts file has "${END_MARKER}" without "${BEGIN_MARKER}"`, 'Fix the file by hand; Berth will not guess.');
    return undefined;
  }
  const end = lines.findIndex((l, i) => i > begin && body(l).trim() === END_MARKER);
  if (end < 0) throw new OsError('invalid', `the hosts file has "${BEGIN_MARKER}" without "${END_MARKER}"`, 'Fix the file by hand; Berth will not guess.');
  if (lines.some((l, i) => i > end && body(l).trim() === BEGIN_MARKER)) throw new OsError('invalid', 'the hosts file has two Berth blocks', 'Remove one by hand.');
  return { begin, end };
}

/** The entries inside Berth's block, if there is one. */
export function readBerthBlock(text: string): HostsEntry[] | undefined {
  const lines = splitKeepingEol(text);
  const block = findBlock(lines);
  if (!block) return undefined;
  return lines
    .slice(block.begin + 1, block.end)
    .map((l) => body(l).trim().split(/\s+/))
    .filter((parts) => parts.length >= 2 && !parts[0]!.startsWith('#'))
    .map(([ip, hostname]) => ({ ip: ip!, hostname: hostname! }));
}

/**
 * The file with Berth's block set to `entries` (or removed when null). Only the block's lines change: a
 * new block takes the file's dominant line ending, an existing one keeps its own, and whether the file
 * ended with a newline stays as it was. set/remove round trips are byte-exact.
 */
export function withBerthBlock(text: string, entries: readonly HostsEntry[] | null, defaultEol = '\n'): string {
  const lines = splitKeepingEol(text);
  const block = findBlock(lines);
  const valid = entries?.map((e) => ({ ip: validateIp(e.ip), hostname: validateHostname(e.hostname) }));
  const blockLines = valid && valid.length > 0 ? [BEGIN_MARKER, ...valid.map((e) => `${e.ip}\t${e.hostname}`), END_MARKER] : [];

  if (block) {
    // The BEGIN line always has a terminator (END follows it): the ending Berth chose when it added the block.
    const eol = terminator(lines[block.begin]!);
    const endedFile = terminator(lines[block.end]!) === '';
    const replacement = blockLines.map((l, i) => (i === blockLines.length - 1 && endedFile ? l : l + eol));
    const out = [...lines.slice(0, block.begin), ...replacement, ...lines.slice(block.end + 1)];
    // The block was the unterminated tail: the line before it loses exactly the terminator Berth gave it
    // when appending (a bare CR of the user's, say, stays).
    if (replacement.length === 0 && endedFile && block.begin > 0 && block.begin === out.length) {
      const previous = out[out.length - 1]!;
      if (previous.endsWith(eol)) out[out.length - 1] = previous.slice(0, previous.length - eol.length);
    }
    return out.join('');
  }
  if (blockLines.length === 0) return text;
  const eol = text.includes('\r\n') ? '\r\n' : text.includes('\n') ? '\n' : defaultEol;
  const hadFinalNewline = text === '' || text.endsWith('\n');
  if (hadFinalNewline) return text + blockLines.map((l) => l + eol).join('');
  return text + eol + blockLines.join(eol);
}
