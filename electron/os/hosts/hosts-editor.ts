import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { withFileLock } from '../../../server/fs/atomic-file.js';
import { CHECKED_COPY_MESSAGES } from '../elevation/checked-copy.js';
import { elevationFailure } from '../elevation/index.js';
import { OsError, type ElevationRunner, type ExecRunner } from '../exec.js';
import { readBerthBlock, withBerthBlock, type HostsEntry } from './hosts-block.js';
import { WRITE_EXIT, type HostsPlatform } from './platform.js';

export interface HostsEditorDeps {
  /** The hosts file (the OS's own, or a scratch file in tests). */
  readonly target: string;
  /** Where the new content is staged before the elevated copy (the app's data folder). */
  readonly tempDir: string;
  readonly platform: HostsPlatform;
  readonly os: NodeJS.Platform;
  readonly elevate: ElevationRunner;
  readonly exec: ExecRunner;
  /** Electron's own DNS cache (`session.clearHostResolverCache`). */
  readonly clearResolverCache?: () => Promise<void>;
}

export interface HostsState {
  readonly path: string;
  /** Berth's entries, or an empty list when its block is absent. */
  readonly entries: HostsEntry[];
}

export interface HostsChange extends HostsState {
  readonly changed: boolean;
}

/** Hosts files are mostly ASCII but not always UTF-8: latin1 maps every byte to one char and back. */
const ENCODING = 'latin1';
const MAX_BYTES = 32 * 1024 * 1024;
const ATTEMPTS = 3;
const sha256 = (text: string): string => createHash('sha256').update(Buffer.from(text, ENCODING)).digest('hex');

async function readHosts(file: string): Promise<string> {
  try {
    if ((await stat(file)).size > MAX_BYTES) throw new OsError('invalid', `${file} is larger than ${MAX_BYTES} bytes; Berth will not edit it`);
    return await readFile(file, ENCODING);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/**
 * Edits only Berth's block of the hosts file. The new content is staged in a temp file, then one fixed
 * elevated command copies it into a folder of its own (refusing links), checks the hash of that copy (and
 * that the target did not change since it was read), backs the target up and installs the checked copy. The file is read back afterwards: antivirus tools revert
 * hosts edits silently, and the user must hear about it.
 */
export class HostsEditor {
  constructor(private readonly deps: HostsEditorDeps) {}

  async read(): Promise<HostsState> {
    return { path: this.deps.target, entries: readBerthBlock(await readHosts(this.deps.target)) ?? [] };
  }

  set(entries: readonly HostsEntry[]): Promise<HostsChange> {
    return this.apply((text) => withBerthBlock(text, entries, this.deps.platform.eol));
  }

  remove(): Promise<HostsChange> {
    return this.apply((text) => withBerthBlock(text, null, this.deps.platform.eol));
  }

  private apply(transform: (text: string) => string): Promise<HostsChange> {
    const { target } = this.deps;
    return withFileLock(target, async () => {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const current = await readHosts(target);
        const next = transform(current);
        const state = { path: target, entries: readBerthBlock(next) ?? [] };
        // Nothing to change means no prompt at all.
        if (next === current) return { ...state, changed: false };
        const outcome = await this.write(current, next);
        if (outcome === 'retry') continue;
        await this.flush();
        return { ...state, changed: true };
      }
      throw new OsError('failed', `${target} keeps changing under another program; try again later`);
    });
  }

  private async write(current: string, next: string): Promise<'done' | 'retry'> {
    const { target, tempDir, platform, elevate, os } = this.deps;
    const temp = nodePath.join(tempDir, `.hosts.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const fh = await open(temp, 'wx', 0o644);
      try {
        await fh.writeFile(next, ENCODING);
        await fh.sync();
      } finally {
        await fh.close();
      }
      const result = await elevate(platform.writeCommand({ temp, sha256: sha256(next), currentSha256: sha256(current), target }));
      if (result.code === WRITE_EXIT.targetChanged) return 'retry';
      if (result.code === WRITE_EXIT.altered) throw new OsError('failed', `cannot write ${target}: ${CHECKED_COPY_MESSAGES.altered}`);
      if (result.code === WRITE_EXIT.notRegular) throw new OsError('failed', `cannot write ${target}: ${CHECKED_COPY_MESSAGES.notRegular}`);
      if (result.code !== 0) throw elevationFailure(os, result, `cannot write ${target}`);
    } catch (err) {
      throw err instanceof OsError ? err : new OsError('failed', `cannot write ${target}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      await rm(temp, { force: true });
    }
    const after = await readHosts(target);
    if (after === next) return 'done';
    if (after === current) {
      throw new OsError('reverted', `${target} was put back by another program right after the write`, 'Security software (Windows Defender, antivirus hosts protection) may block hosts edits: allow Berth or add the line by hand.');
    }
    throw new OsError('failed', `${target} was changed by another program right after the write; the previous content is in ${target}.berth-backup`);
  }

  private async flush(): Promise<void> {
    for (const command of this.deps.platform.flushCommands) await this.deps.exec(command).catch(() => undefined);
    await this.deps.clearResolverCache?.().catch(() => undefined);
  }
}
