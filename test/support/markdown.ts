// How the link tests read Markdown: the relative links in prose (code blocks and code spans are not links)
// and the anchors GitHub makes from headings.

/** The lines of a Markdown file outside fenced code blocks, with code spans blanked out. */
export function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      out.push('');
      continue;
    }
    out.push(fence === undefined ? line.replace(/(`+)[^`]*?\1/g, '') : '');
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens, -1, -2… for repeats. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    const heading = fence === undefined ? /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1] : undefined;
    if (heading === undefined) continue;
    const plain = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = plain.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.add(count === 0 ? base : `${base}-${count}`);
  }
  return out;
}

export interface MarkdownLink {
  /** 1-based. */
  readonly line: number;
  readonly target: string;
}

/** Every link and image in the text's prose, as written (`docs/registry.md#garbage-collection`). */
export function markdownLinks(text: string): MarkdownLink[] {
  const out: MarkdownLink[] = [];
  proseLines(text).forEach((line, index) => {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ line: index + 1, target: match[1] as string });
    }
  });
  return out;
}

/** A link without a scheme (`https:`, `mailto:`): it points into the same tree as the file it is in. */
export const isRelativeLink = (target: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(target);
