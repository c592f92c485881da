import type { Command, ElevationRunner, ExecRunner } from '../exec.js';
import type { CaIdentity } from './proxy-certificate.js';

export type TrustTargetId = 'docker-certs-d' | 'macos-login-keychain' | 'windows-user-root';

export interface TrustStatus {
  readonly id: TrustTargetId;
  readonly label: string;
  readonly installed: boolean;
  /** What the user may need to do next (restart Docker Desktop…). */
  readonly note?: string;
}

export interface TrustDeps {
  readonly exec: ExecRunner;
  readonly elevate: ElevationRunner;
  readonly homeDir: string;
  /** `host:port` as docker users type it (the certs.d folder name). */
  readonly registry: string;
  /** Linux engine's certs.d root; injectable so tests never touch /etc. */
  readonly dockerCertsRoot?: string;
}

/** One place a CA can be trusted for Docker, with the exact commands it takes (asserted in tests). */
export interface TrustTarget {
  readonly id: TrustTargetId;
  readonly label: string;
  readonly note?: string;
  /** The commands install runs, in order, and whether each goes through the elevation prompt. */
  installCommands(ca: CaIdentity): Array<{ command: Command; elevated: boolean }>;
  removeCommands(ca: CaIdentity): Array<{ command: Command; elevated: boolean }>;
  isInstalled(ca: CaIdentity): Promise<boolean>;
}
