// Every relative link in README.md and docs/ leads somewhere: the file exists and, for a link into a Markdown
// file with a #fragment, that file has a heading with that anchor (as GitHub makes anchors from headings).
// Links with a scheme (https:, mailto:) are not followed; code blocks and code spans are not links.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchors, isRelativeLink, markdownLinks } from '../support/markdown.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(): string[] {
  const docs = join(root, 'docs');
  const found = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) found.push(path);
    }
  };
  walk(docs);
  return found;
}

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

function links(file: string): Link[] {
  return markdownLinks(readFileSync(file, 'utf8')).map((link) => ({ file, ...link }));
}

/** Why a relative link is broken, or undefined when it leads somewhere. */
function brokenBecause(link: Link): string | undefined {
  const [path = '', fragment] = link.target.split('#', 2);
  const target = path === '' ? link.file : join(dirname(link.file), decodeURIComponent(path));
  if (!existsSync(target)) return `${relative(root, target)} does not exist`;
  if (fragment === undefined || !target.endsWith('.md')) return undefined;
  return anchors(readFileSync(target, 'utf8')).has(decodeURIComponent(fragment).toLowerCase())
    ? undefined
    : `${relative(root, target)} has no heading with the anchor #${fragment}`;
}

describe('links in README.md and docs/', () => {
  const files = markdownFiles();

  it('finds the README and the docs folder with links in them', () => {
    expect(files.length).toBeGreaterThan(1);
    expect(files.flatMap(links).filter((link) => isRelativeLink(link.target)).length).toBeGreaterThan(10);
  });

  it('has no relative link to a missing file or heading', () => {
    const broken = files
      .flatMap(links)
      .filter((link) => isRelativeLink(link.target))
      .flatMap((link) => {
        const why = brokenBecause(link);
        return why === undefined ? [] : [`${relative(root, link.file)}:${link.line}: (${link.target}) ${why}`];
      });
    expect(broken).toEqual([]);
  });

  it('leads from the README to every page under docs/', () => {
    const readme = join(root, 'README.md');
    const linked = new Set(links(readme).filter((link) => isRelativeLink(link.target)).map((link) => join(root, link.target.split('#')[0] as string)));
    const unlinked = files.filter((file) => file !== readme && !linked.has(file)).map((file) => relative(root, file));
    expect(unlinked).toEqual([]);
  });

  it('makes anchors the way GitHub does', () => {
    const made = anchors('# The TLS + basic-auth proxy\n## systemd: `berth service install`\n```\n# not a heading\n```\n## Users\n## Users\n');
    expect([...made]).toEqual(['the-tls--basic-auth-proxy', 'systemd-berth-service-install', 'users', 'users-1']);
  });

  it('reports a missing file and a missing anchor', () => {
    const readme = join(root, 'README.md');
    expect(brokenBecause({ file: readme, line: 1, target: 'docs/no-such-file.md' })).toBe('docs/no-such-file.md does not exist');
    expect(brokenBecause({ file: readme, line: 1, target: 'README.md#no-such-heading' })).toBe('README.md has no heading with the anchor #no-such-heading');
    expect(brokenBecause({ file: readme, line: 1, target: '#quick-start' })).toBeUndefined();
  });
});
