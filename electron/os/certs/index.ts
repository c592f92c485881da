import { elevationFailure } from '../elevation/index.js';
import { commandLine, OsError, type Command } from '../exec.js';
import { darwinTrustTargets } from './darwin.js';
import { linuxTrustTargets } from './linux.js';
import type { CaIdentity } from './proxy-certificate.js';
import type { TrustDeps, TrustStatus, TrustTarget, TrustTargetId } from './trust.js';
import { win32TrustTargets } from './win32.js';

/** The places this OS's Docker looks for trusted CAs, chosen once. */
export function trustTargets(deps: TrustDeps, platform: NodeJS.Platform = process.platform): TrustTarget[] {
  if (platform === 'darwin') return darwinTrustTargets(deps);
  if (platform === 'win32') return win32TrustTargets(deps);
  return linuxTrustTargets(deps);
}

/** Install/remove/status over the targets; each change runs behind the OS's own prompt and can be undone. */
export class TrustManager {
  private readonly targets: TrustTarget[];
  constructor(
    private readonly deps: TrustDeps,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {
    this.targets = trustTargets(deps, platform);
  }

  async status(ca: CaIdentity): Promise<TrustStatus[]> {
    return Promise.all(this.targets.map(async (t) => ({ id: t.id, label: t.label, installed: await t.isInstalled(ca), ...(t.note ? { note: t.note } : {}) })));
  }

  install(id: TrustTargetId, ca: CaIdentity): Promise<TrustStatus> {
    return this.change(id, ca, (t) => t.installCommands(ca), 'trust the CA');
  }

  remove(id: TrustTargetId, ca: CaIdentity): Promise<TrustStatus> {
    return this.change(id, ca, (t) => t.removeCommands(ca), 'remove the CA');
  }

  private async change(id: TrustTargetId, ca: CaIdentity, commands: (t: TrustTarget) => Array<{ command: Command; elevated: boolean }>, what: string): Promise<TrustStatus> {
    const target = this.targets.find((t) => t.id === id);
    if (!target) throw new OsError('not-found', `no trust target ${id} on this system`);
    for (const { command, elevated } of commands(target)) {
      const result = await (elevated ? this.deps.elevate(command) : this.deps.exec(command));
      if (result.code !== 0) {
        const failure = elevationFailure(this.platform, result, `cannot ${what} (${target.label})`);
        throw new OsError(failure.kind, failure.message, failure.hint ?? `The command was: ${commandLine(command)}`);
      }
    }
    return { id: target.id, label: target.label, installed: await target.isInstalled(ca), ...(target.note ? { note: target.note } : {}) };
  }
}
