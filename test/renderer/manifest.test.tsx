// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestDetail } from '../../renderer/src/api/types.js';
import { FakeBerth } from './fake-berth.js';
import { goTo, renderApp } from './render-app.js';

afterEach(cleanup);

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

const index: ManifestDetail = {
  repository: 'multi/app', reference: '2.0', digest: digest('1'), mediaType: 'application/vnd.oci.image.index.v1+json', sizeBytes: 743, tags: ['2.0', 'latest'],
  children: [
    { digest: digest('2'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1_200_000, platform: 'linux/amd64' },
    { digest: digest('3'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1_100_000, platform: 'linux/arm64/v8' },
  ],
  layers: [], config: null,
  referrers: [{ digest: digest('4'), mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json', size: 512, annotations: { 'org.opencontainers.image.created': '2026-02-02' } }],
  raw: '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}',
};

describe('manifest view', () => {
  it('shows an index with its platforms and referrers, and opens a child', async () => {
    const fake = new FakeBerth();
    fake.manifests.set('multi/app@2.0', index);
    fake.manifests.set(`multi/app@${digest('3')}`, { ...index, reference: digest('3'), digest: digest('3'), mediaType: 'application/vnd.oci.image.manifest.v1+json', tags: [], children: [], referrers: [], layers: [{ digest: digest('5'), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1_000_000 }] });
    renderApp(fake, '#/repo/multi%2Fapp/manifest/2.0');

    const platforms = await screen.findByRole('table', { name: 'Platforms' });
    const rows = within(platforms).getAllByRole('row').slice(1).map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    expect(rows).toEqual([
      ['linux/amd64', 'sha256:222222222222', 'application/vnd.oci.image.manifest.v1+json', '1.2 MB'],
      ['linux/arm64/v8', 'sha256:333333333333', 'application/vnd.oci.image.manifest.v1+json', '1.1 MB'],
    ]);
    expect(screen.queryByRole('table', { name: 'Layers' })).toBeNull();
    const referrers = screen.getByRole('table', { name: 'Referrers' });
    expect(referrers.textContent).toContain('application/vnd.dev.cosign.simplesigning.v1+json');
    expect(referrers.textContent).toContain('org.opencontainers.image.created: 2026-02-02');
    expect(screen.getAllByRole('link', { name: /^(2\.0|latest)$/ }).map((a) => a.textContent)).toEqual(['2.0', 'latest']);
    fireEvent.click(screen.getByText('Raw manifest'));
    expect(screen.getByText(index.raw)).toBeTruthy();

    const child = within(platforms).getByRole('link', { name: 'linux/arm64/v8' });
    await goTo(child.getAttribute('href') ?? '');
    const layers = await screen.findByRole('table', { name: 'Layers' });
    expect(within(layers).getAllByRole('row')).toHaveLength(2);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('multi/app@sha256:333333333333');
    expect(screen.getByRole('heading', { name: 'Layers (1, 1.0 MB)' })).toBeTruthy();
  });

  it('shows the image config: entrypoint, cmd, env, labels and the history commands', async () => {
    const fake = new FakeBerth();
    fake.addTag('svc', '1');
    renderApp(fake, '#/repo/svc/manifest/1');
    const config = await screen.findByRole('region', { name: 'Configuration' });
    const facts = Object.fromEntries(Array.from(config.querySelectorAll('dt'), (dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
    expect(facts).toMatchObject({ Platform: 'linux/amd64', Entrypoint: '["/entry.sh"]', Cmd: '["serve"]', 'Working dir': '/app', User: 'app' });
    expect(within(config).getByRole('list', { name: 'Environment' }).textContent).toBe('PATH=/usr/bin');
    expect(within(config).getByRole('table', { name: 'Labels' }).textContent).toBe('org.example.teaminfra');
    const history = screen.getByRole('table', { name: 'History' });
    expect(within(history).getAllByRole('row')[1]?.textContent).toContain('RUN apk add curl');
  });
});
