import type { LayerChange, LayerEntry } from '../../api/types.js';

/** A folder of a layer as the explorer shows it: its own entry (if the tar has one) and what is inside. */
export interface TreeNode {
  name: string;
  path: string;
  entry?: LayerEntry;
  /** Bytes of every file at or below this node. */
  bytes: number;
  children: Map<string, TreeNode>;
}

const node = (name: string, path: string): TreeNode => ({ name, path, bytes: 0, children: new Map() });

/**
 * Folds a layer's flat entries into folders. Folders a tar does not list are made up from the paths below
 * them; a whiteout and an opaque marker for the same folder stay apart (`path` + type decides).
 */
export function buildTree(entries: readonly LayerEntry[]): TreeNode {
  const root = node('', '/');
  for (const entry of entries) {
    const parts = entry.path.split('/').filter(Boolean);
    let at = root;
    at.bytes += entry.type === 'file' ? entry.size : 0;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      // A marker (whiteout, opaque) is a row of its own next to what it names, not the folder itself.
      const key = last && (entry.type === 'whiteout' || entry.type === 'opaque') ? `${part}\u0000${entry.type}` : part;
      let next = at.children.get(key);
      if (!next) {
        next = node(part, `/${parts.slice(0, i + 1).join('/')}`);
        at.children.set(key, next);
      }
      if (entry.type === 'file') next.bytes += entry.size;
      if (last) next.entry = entry;
      at = next;
    });
    if (parts.length === 0 && entry.type === 'opaque') root.entry = entry;
  }
  return root;
}

/** The node at `path`, or undefined when the layer has nothing there. */
export function findNode(root: TreeNode, path: string): TreeNode | undefined {
  let at: TreeNode | undefined = root;
  for (const part of path.split('/').filter(Boolean)) at = at?.children.get(part);
  return at;
}

/** Folders first, then by name, as file managers list them. */
export function sortedChildren(n: TreeNode): TreeNode[] {
  const isDir = (c: TreeNode): boolean => c.children.size > 0 || c.entry?.type === 'dir';
  return [...n.children.values()].sort((a, b) => Number(isDir(b)) - Number(isDir(a)) || a.name.localeCompare(b.name));
}

/** `drwxr-xr-x`, `-rwsr-xr-x`, `lrwxrwxrwx`: the `ls -l` form developers read at a glance. */
export function formatMode(type: LayerEntry['type'], mode: number): string {
  const kind = type === 'dir' || type === 'opaque' ? 'd' : type === 'symlink' ? 'l' : type === 'whiteout' ? 'w' : '-';
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((c, i) => (mode & (1 << (8 - i)) ? c : '-'));
  const special = (i: number, flag: number, set: string): void => {
    if (mode & flag) bits[i] = bits[i] === 'x' ? set : set.toUpperCase();
  };
  special(2, 0o4000, 's');
  special(5, 0o2000, 's');
  special(8, 0o1000, 't');
  return kind + bits.join('');
}

export const CHANGE_LABEL: Record<LayerChange, string> = { added: 'added', changed: 'changed', deleted: 'deleted', unchanged: '' };
