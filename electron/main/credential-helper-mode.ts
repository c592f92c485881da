// `berth-desktop --credential-helper <action>`: the packaged app answers Docker's credential-helper
// protocol itself, so the installed package needs neither Node nor ELECTRON_RUN_AS_NODE (that fuse is
// off). The shipped docker-credential-berth is a small wrapper that runs the app binary this way.

export const CREDENTIAL_HELPER_FLAG = '--credential-helper';

/**
 * The helper action when this launch is a helper call, else undefined. The flag must come first: right
 * after the executable (packaged app) or after the app folder (`electron . --credential-helper get`),
 * so an argument further along (a file name, say) never turns a normal launch into one.
 */
export function credentialHelperAction(argv: readonly string[]): string | undefined {
  const at = argv.indexOf(CREDENTIAL_HELPER_FLAG);
  if (at !== 1 && at !== 2) return undefined;
  return argv[at + 1] ?? '';
}
