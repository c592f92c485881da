import { exec, execOk, onCleanup } from './procs.js';

/**
 * A network link between a pull-through cache and its upstream. On loopback the upstream answers as fast as
 * the cache itself, which is no mirror's situation: its upstream is Docker Hub or a registry across a
 * network. The kernel's own shaper (an HTB class on `lo`, chosen by a u32 filter on the upstream's source
 * port) holds what that one server sends to `mbit`; every other loopback flow, the client's pull from
 * Berth included, is untouched. HTB adds no latency (netem is what would, and it is often not built in), so
 * the link is a generous one: the same bandwidth with real round trips would only slow the direct pull.
 */

export interface Link {
  readonly mbit: number;
  /** Removes the shaping (also done by the bench's cleanup on an error or Ctrl-C). */
  readonly remove: () => Promise<void>;
}

const DEVICE = 'lo';

/**
 * Shapes what the server on `port` sends. Returns why not instead when it cannot (not root, no `tc`, no HTB
 * in the kernel), or when `lo` already has a queueing discipline of somebody else's: that one is left alone.
 */
export async function shapeFrom(port: number, mbit: number): Promise<Link | { readonly unavailable: string }> {
  const shown = await exec('tc', ['qdisc', 'show', 'dev', DEVICE]).catch((err: Error) => ({ code: -1, stdout: '', stderr: err.message }));
  if (shown.code !== 0) return { unavailable: `tc (iproute2) did not run: ${shown.stderr.trim() || `exit ${shown.code}`}` };
  if (!/^qdisc noqueue 0: root/m.test(shown.stdout)) return { unavailable: `${DEVICE} already has a queueing discipline, left as it is: ${shown.stdout.trim()}` };
  const added = await exec('tc', ['qdisc', 'add', 'dev', DEVICE, 'root', 'handle', '1:', 'htb']);
  if (added.code !== 0) return { unavailable: `tc could not add an HTB qdisc to ${DEVICE} (root and CONFIG_NET_SCH_HTB needed): ${added.stderr.trim()}` };
  const remove = onCleanup(async () => {
    await exec('tc', ['qdisc', 'del', 'dev', DEVICE, 'root']);
  });
  try {
    await execOk('tc', ['class', 'add', 'dev', DEVICE, 'parent', '1:', 'classid', '1:20', 'htb', 'rate', `${mbit}mbit`, 'ceil', `${mbit}mbit`]);
    await execOk('tc', ['filter', 'add', 'dev', DEVICE, 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'sport', String(port), '0xffff', 'flowid', '1:20']);
  } catch (err) {
    await remove();
    return { unavailable: (err as Error).message };
  }
  return { mbit, remove };
}
