import { OsError, type Command, type ElevationRunner, type ExecResult, type ExecRunner } from '../exec.js';
import * as darwin from './darwin.js';
import * as linux from './linux.js';
import * as win32 from './win32.js';

const PLATFORMS = { linux, darwin, win32 } as const;

/** The OS prompt wrapped around a fixed command, chosen once per platform. */
export function createElevationRunner(exec: ExecRunner, platform: NodeJS.Platform = process.platform): ElevationRunner {
  const os = PLATFORMS[platform as keyof typeof PLATFORMS];
  if (!os) return async () => { throw new OsError('unavailable', `administrator rights cannot be requested on ${platform}`); };
  return (command: Command) => exec(os.elevatedCommand(command)).then((r) => r);
}

export const elevatedCommandFor = (platform: NodeJS.Platform, command: Command): Command => {
  const os = PLATFORMS[platform as keyof typeof PLATFORMS];
  if (!os) throw new OsError('unavailable', `administrator rights cannot be requested on ${platform}`);
  return os.elevatedCommand(command);
};

/** Turns a failed elevated run into the reason the user sees: cancelled, refused, read-only, or the tool's own words. */
export function elevationFailure(platform: NodeJS.Platform, result: ExecResult, what: string): OsError {
  const os = PLATFORMS[platform as keyof typeof PLATFORMS];
  const text = `${result.stderr}\n${result.stdout}`.trim();
  if (os?.CANCELLED_CODES.includes(result.code) || /cancel+ed|-128/i.test(text)) return new OsError('cancelled', `${what}: the administrator prompt was cancelled`);
  if (os?.DENIED_CODES.includes(result.code) || /not authori[sz]ed|permission denied|access is denied|EACCES|EPERM/i.test(text)) {
    return new OsError('denied', `${what}: permission denied`, 'Your account needs administrator rights for this change.');
  }
  if (/read-only file system|EROFS|read-only/i.test(text)) {
    return new OsError('read-only', `${what}: the file is read-only`, 'Clear the read-only/immutable flag (chattr -i, chflags nouchg, attrib -r) and try again.');
  }
  return new OsError('failed', `${what}: ${text || `exit code ${result.code}`}`);
}
