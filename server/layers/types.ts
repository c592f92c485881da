/**
 * What the layer explorer answers with. Like server/catalog/types.ts, the desktop bridge re-exports these as its
 * own, so they hold types only and import nothing.
 */
export type LayerEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'whiteout' | 'opaque' | 'other';
/** Against the layers below: `unchanged` is a folder the layer lists again (tars repeat parent folders). */
export type LayerChange = 'added' | 'changed' | 'deleted' | 'unchanged';
export interface LayerEntry {
  /** Absolute, normalised (`/usr/bin/env`); for a whiteout, the path it deletes; for an opaque marker, its folder. */
  path: string;
  /** Bytes of a file; for a whiteout, the bytes of what it hides from the layers below. */
  size: number;
  type: LayerEntryType;
  /** Permission bits and setuid/setgid/sticky, as in the tar header. */
  mode: number;
  /** Symlink target, or the path a hard link points at. */
  linkTarget?: string;
  /** Only when the layer was listed as part of an image (`manifest` given). */
  change?: LayerChange;
}
export interface LayerFiles {
  digest: string;
  entries: LayerEntry[];
  /** More entries than the explorer keeps (LAYER_ENTRY_LIMIT): the list is cut. */
  truncated: boolean;
}
export interface LayerFilesSummary {
  digest: string; mediaType: string; size: number;
  /** null: not a tar layer (an artifact's file); nothing to list. */
  files: number | null; bytes: number; added: number; changed: number; deleted: number;
}
export interface ImageFileEntry extends LayerEntry {
  /** 0-based index of the layer in the manifest. */
  layer: number;
}
export interface ImageFiles {
  layers: LayerFilesSummary[];
  /** The biggest files of the final filesystem (what a container sees), biggest first. */
  largest: ImageFileEntry[];
  /** Entries of every layer whose path contains the query, in layer order; empty without a query. */
  matches: ImageFileEntry[];
  matchesTruncated: boolean;
}
