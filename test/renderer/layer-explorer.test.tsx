// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageFiles, LayerEntry } from '../../renderer/src/api/types.js';
import { formatMode } from '../../renderer/src/pages/layers/file-tree.js';
import { FakeBerth } from './fake-berth.js';
import { goTo, renderApp } from './render-app.js';

afterEach(cleanup);

const layer = `sha256:${'a'.repeat(64)}`;
const second = `sha256:${'b'.repeat(64)}`;
const entries: LayerEntry[] = [
  { path: '/etc', size: 0, type: 'dir', mode: 0o755, change: 'unchanged' },
  { path: '/etc/os-release', size: 11, type: 'file', mode: 0o644, change: 'changed' },
  { path: '/etc/old.conf', size: 3, type: 'whiteout', mode: 0, change: 'deleted' },
  { path: '/usr/lib/libx.so.1', size: 3000, type: 'file', mode: 0o755, change: 'added' },
  { path: '/usr/lib/libx.so', size: 0, type: 'symlink', mode: 0o777, linkTarget: 'libx.so.1', change: 'added' },
  { path: '/bin/tool', size: 500, type: 'file', mode: 0o4755, change: 'added' },
];
const rows = (table: HTMLElement): string[][] => within(table).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent ?? ''));

describe('layer explorer', () => {
  it('formats modes as ls -l does', () => {
    expect(formatMode('dir', 0o755)).toBe('drwxr-xr-x');
    expect(formatMode('file', 0o4755)).toBe('-rwsr-xr-x');
    expect(formatMode('file', 0o1644)).toBe('-rw-r--r-T');
    expect(formatMode('symlink', 0o777)).toBe('lrwxrwxrwx');
  });

  it('opens a layer from the manifest and browses its folders with sizes, modes, links and changes', async () => {
    const fake = new FakeBerth();
    const tag = fake.addTag('svc', '1');
    fake.layerListings.set(layer, { digest: layer, entries, truncated: false });
    renderApp(fake, '#/repo/svc/manifest/1');
    // The name carries the digest the link shows (label in name, WCAG 2.5.3).
    const link = await screen.findByRole('link', { name: /^Files of layer 1, / });
    await goTo(link.getAttribute('href') ?? '');

    const files = await screen.findByRole('table', { name: 'Files' });
    expect(fake.calls.filter((c) => c.method === 'layerFiles').at(-1)?.input).toEqual({ repository: 'svc', digest: layer, manifest: tag.digest });
    expect(screen.getByLabelText('Layer changes').textContent).toContain('3 added');
    expect(screen.getByLabelText('Layer changes').textContent).toContain('1 changed');
    expect(screen.getByLabelText('Layer changes').textContent).toContain('1 deleted');
    expect(rows(files)).toEqual([
      ['bin/', 'd---------', '500 B', '', ''],
      ['etc/', 'drwxr-xr-x', '11 B', '', ''],
      ['usr/', 'd---------', '3.0 kB', '', ''],
    ]);
    fireEvent.click(within(files).getByRole('button', { name: 'etc/' }));
    expect(rows(screen.getByRole('table', { name: 'Files' }))).toEqual([
      ['old.conf (whiteout)', '', '−3 B', '', 'deleted'],
      ['os-release', '-rw-r--r--', '11 B', '', 'changed'],
    ]);
    fireEvent.click(screen.getByRole('button', { name: '/' }));
    fireEvent.click(within(screen.getByRole('table', { name: 'Files' })).getByRole('button', { name: 'usr/' }));
    fireEvent.click(within(screen.getByRole('table', { name: 'Files' })).getByRole('button', { name: 'lib/' }));
    expect(rows(screen.getByRole('table', { name: 'Files' }))).toEqual([
      ['libx.so', 'lrwxrwxrwx', '0 B', '→ libx.so.1', 'added'],
      ['libx.so.1', '-rwxr-xr-x', '3.0 kB', '', 'added'],
    ]);

    // Filtering flattens the tree: only what the layer deletes, then a path filter.
    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'deleted' } });
    expect(rows(screen.getByRole('table', { name: 'Matching files' })).map((r) => r[0])).toEqual(['/etc/old.conf']);
    fireEvent.change(screen.getByLabelText('Show'), { target: { value: 'all' } });
    fireEvent.change(screen.getByLabelText('Filter paths'), { target: { value: 'TOOL' } });
    expect(rows(screen.getByRole('table', { name: 'Matching files' }))).toEqual([['/bin/tool', '-rwsr-xr-x', '500 B', '', 'added']]);
  });

  it('shows the image: layers with their changes, the largest files, and which layer put a path there', async () => {
    const fake = new FakeBerth();
    fake.addTag('svc', '1');
    const image: ImageFiles = {
      layers: [
        { digest: layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 734_003, files: 9, bytes: 3_600, added: 9, changed: 0, deleted: 0 },
        { digest: second, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', size: 2000, files: 3, bytes: 10_012, added: 3, changed: 1, deleted: 2 },
      ],
      largest: [{ path: '/app/big.bin', size: 10_000, type: 'file', mode: 0o644, layer: 1 }, { path: '/usr/lib/libx.so.1', size: 3000, type: 'file', mode: 0o755, layer: 0 }],
      matches: [
        { path: '/usr/lib/libx.so.1', size: 3000, type: 'file', mode: 0o755, layer: 0, change: 'added' },
        { path: '/etc/os-release', size: 11, type: 'file', mode: 0o644, layer: 1, change: 'changed' },
      ],
      matchesTruncated: false,
    };
    fake.imageListings.set('svc@1', image);
    renderApp(fake, '#/repo/svc/manifest/1');
    await goTo((await screen.findByRole('link', { name: 'Explore files' })).getAttribute('href') ?? '');
    fake.imageListings.set(`svc@${fake.tags[0]!.digest}`, image);
    await goTo('#/repo/svc/manifest/1/files');

    const layers = await screen.findByRole('table', { name: 'Layer changes' });
    expect(rows(layers)).toEqual([
      ['1', 'sha256:aaaaaaaaaaaa', '734 kB', '9 (3.6 kB)', '9', '0', '0'],
      ['2', 'sha256:bbbbbbbbbbbb', '2.0 kB', '3 (10.0 kB)', '3', '1', '2'],
    ]);
    expect(rows(screen.getByRole('table', { name: 'Largest files' }))).toEqual([['/app/big.bin', '10.0 kB', '#2'], ['/usr/lib/libx.so.1', '3.0 kB', '#1']]);

    fireEvent.change(screen.getByLabelText('Which layer put it there?'), { target: { value: '/usr/lib/libx' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const results = await screen.findByRole('table', { name: 'Search results' });
    expect(rows(results)).toEqual([['/usr/lib/libx.so.1', '#1', 'added', 'file', '3.0 kB']]);
    expect(within(results).getByRole('link', { name: '#1' }).getAttribute('href')).toBe(`#/repo/svc/manifest/1/layer/${encodeURIComponent(layer)}`);
    expect(fake.calls.filter((c) => c.method === 'imageFiles').at(-1)?.input).toEqual({ repository: 'svc', reference: '1', query: '/usr/lib/libx' });
  });

  it('says so when the layer cannot be read', async () => {
    const fake = new FakeBerth();
    fake.addTag('svc', '1');
    renderApp(fake, `#/repo/svc/manifest/1/layer/${encodeURIComponent(second)}`);
    expect((await screen.findByRole('alert')).textContent).toContain(`svc has no layer ${second}`);
  });
});

describe('Dockerfile view', () => {
  it('shows the history as Dockerfile lines, ports, volumes, the healthcheck and URL labels as links (http and https only)', async () => {
    const fake = new FakeBerth();
    fake.addTag('svc', '1');
    const base = await fake.getManifest({ repository: 'svc', reference: '1' });
    fake.manifests.set('svc@1', {
      ...base,
      layers: [{ digest: layer, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 734_003 }, { digest: second, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 2_000 }],
      config: {
        ...base.config!,
        exposedPorts: ['8080/tcp', '53/udp'], volumes: ['/data'], stopSignal: 'SIGQUIT',
        healthcheck: { test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'], interval: 30, timeout: 5, retries: 3 },
        labels: { 'org.opencontainers.image.source': 'https://github.com/example/svc', 'org.example.bad': 'javascript:alert(1)', 'org.example.team': 'infra' },
        history: [
          { created: '2026-01-01T00:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:abc in / ', emptyLayer: false },
          { created: '2026-01-01T00:00:00Z', createdBy: '/bin/sh -c #(nop)  CMD ["sh"]', emptyLayer: true },
          { created: '2026-01-01T00:00:00Z', createdBy: 'RUN /bin/sh -c apk add curl # buildkit', emptyLayer: false },
          { created: '2026-01-01T00:00:00Z', createdBy: 'EXPOSE map[8080/tcp:{}]', emptyLayer: true },
        ],
      },
    });
    renderApp(fake, '#/repo/svc/manifest/1');
    const dockerfile = await screen.findByLabelText('Dockerfile');
    expect(Array.from(dockerfile.children, (c) => c.textContent)).toEqual(['ADD file:abc in /', 'CMD ["sh"]', 'RUN apk add curl', 'EXPOSE map[8080/tcp:{}]']);
    expect(rows(screen.getByRole('table', { name: 'History' })).map((r) => r[2])).toEqual(['734 kB', 'empty', '2.0 kB', 'empty']);
    const config = screen.getByRole('region', { name: 'Configuration' });
    const facts = Object.fromEntries(Array.from(config.querySelectorAll('dt'), (dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
    expect(facts).toMatchObject({ 'Exposed ports': '8080/tcp53/udp', Volumes: '/data', Healthcheck: '--interval=30s --timeout=5s --retries=3 CMD curl -f http://localhost/ || exit 1', 'Stop signal': 'SIGQUIT' });
    const labels = within(config).getByRole('table', { name: 'Labels' });
    expect(within(labels).getAllByRole('link').map((a) => [a.textContent, a.getAttribute('href'), a.getAttribute('rel')])).toEqual([['https://github.com/example/svc', 'https://github.com/example/svc', 'noopener noreferrer']]);
    expect(labels.textContent).toContain('javascript:alert(1)');
  });
});
