// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestDetail } from '../../renderer/src/api/types.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);
const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const base = { repository: 'svc', tags: [], layers: [], config: null, referrers: [], raw: '{}', children: [] };

describe('artifacts and attestations', () => {
  it('shows an artifact with its type, linked subject and named files, and no docker pull', async () => {
    const fake = new FakeBerth();
    const sbom: ManifestDetail = {
      ...base, reference: digest('5'), digest: digest('5'), mediaType: 'application/vnd.oci.image.manifest.v1+json', sizeBytes: 900,
      artifactType: 'application/spdx+json', subject: { digest: digest('1'), mediaType: 'application/vnd.oci.image.manifest.v1+json' },
      layers: [{ digest: digest('6'), mediaType: 'application/spdx+json', size: 800, title: 'sbom.spdx.json' }],
    };
    fake.manifests.set(`svc@${digest('5')}`, sbom);
    renderApp(fake, `#/repo/svc/manifest/${encodeURIComponent(digest('5'))}`);
    await screen.findByRole('table', { name: 'Files' });
    const facts = Object.fromEntries(Array.from(document.querySelectorAll('dl.facts dt'), (dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
    expect(facts).toMatchObject({ 'Artifact type': 'application/spdx+json', Subject: 'sha256:111111111111' });
    expect(screen.getByRole('link', { name: 'sha256:111111111111' }).getAttribute('href')).toBe(`#/repo/svc/manifest/${encodeURIComponent(digest('1'))}`);
    expect(within(screen.getByRole('table', { name: 'Files' })).getAllByRole('row')[1]?.textContent).toContain('sbom.spdx.json');
    expect(screen.queryByRole('heading', { name: 'Pull' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Explore files' })).toBeNull();
  });

  it('labels buildx attestation manifests of an index by the image they attest, and shows image sizes', async () => {
    const fake = new FakeBerth();
    fake.manifests.set('svc@1', {
      ...base, reference: '1', digest: digest('1'), mediaType: 'application/vnd.oci.image.index.v1+json', sizeBytes: 3_000_000,
      children: [
        { digest: digest('2'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 700, platform: 'linux/amd64', imageSize: 2_500_000 },
        { digest: digest('3'), mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 600, platform: 'attestation', imageSize: 40_000, attests: digest('2') },
      ],
    });
    renderApp(fake, '#/repo/svc/manifest/1');
    const table = await screen.findByRole('table', { name: 'Platforms' });
    const rows = within(table).getAllByRole('row').slice(1).map((r) => [r.querySelectorAll('td')[0]?.textContent, r.querySelectorAll('td')[3]?.textContent]);
    expect(rows).toEqual([['linux/amd64', '2.5 MB'], ['attestation of linux/amd64', '40.0 kB']]);
    expect(screen.getByRole('heading', { name: 'Pull' })).toBeTruthy();
  });
});
