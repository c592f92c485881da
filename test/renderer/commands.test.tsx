// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addresses, pullCommand } from '../../renderer/src/commands.js';
import { FakeBerth } from './fake-berth.js';
import { renderApp } from './render-app.js';

afterEach(cleanup);

let clipboard: string[];
beforeEach(() => {
  clipboard = [];
  // The browser's clipboard is the one thing jsdom lacks; record what the app writes to it.
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: async (t: string) => void clipboard.push(t) } });
});

describe('copyable commands', () => {
  it('offers docker, podman and skopeo pulls for the loopback address and the proxy hostname', async () => {
    const fake = new FakeBerth();
    fake.addTag('team/app', 'v1');
    renderApp(fake, '#/repo/team%2Fapp');
    fireEvent.click(await screen.findByRole('button', { name: 'Pull commands for v1' }));
    await waitFor(() => expect(screen.getByTestId('status-registry').textContent).toContain('127.0.0.1:5000'));
    const texts = (): string[] => Array.from(screen.getByRole('tabpanel').querySelectorAll('code'), (c) => c.textContent ?? '');
    expect(texts()).toEqual(['docker pull 127.0.0.1:5000/team/app:v1', 'docker pull registry.local:5443/team/app:v1']);

    fireEvent.click(screen.getByRole('tab', { name: 'podman' }));
    expect(texts()).toEqual(['podman pull --tls-verify=false 127.0.0.1:5000/team/app:v1', 'podman pull registry.local:5443/team/app:v1']);
    fireEvent.keyDown(screen.getByRole('tab', { name: 'podman' }), { key: 'ArrowRight' });
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'skopeo' }));
    expect(texts()).toEqual([
      'skopeo copy --src-tls-verify=false docker://127.0.0.1:5000/team/app:v1 oci-archive:app-v1.tar',
      'skopeo copy docker://registry.local:5443/team/app:v1 oci-archive:app-v1.tar',
    ]);

    const copy = within(screen.getByRole('tabpanel')).getByRole('button', { name: 'Copy skopeo copy docker://registry.local:5443/team/app:v1 oci-archive:app-v1.tar' });
    fireEvent.click(copy);
    await waitFor(() => expect(clipboard).toEqual(['skopeo copy docker://registry.local:5443/team/app:v1 oci-archive:app-v1.tar']));
    await waitFor(() => expect(copy.textContent).toBe('Copied ✓'));

    const tag = fake.tags[0];
    fireEvent.click(screen.getByRole('checkbox', { name: 'Pull by digest' }));
    expect(texts()[1]).toBe(`skopeo copy docker://registry.local:5443/team/app@${tag?.digest} oci-archive:app-${tag?.digest.slice(7, 19)}.tar`);
    expect(screen.getByRole('status').textContent).toContain('Copied: skopeo copy docker://registry.local:5443/team/app:v1');
  });

  it('pulls by digest on the manifest page when the reference is a digest', async () => {
    const fake = new FakeBerth();
    const t = fake.addTag('app', 'v2');
    renderApp(fake, `#/repo/app/manifest/${encodeURIComponent(t.digest)}`);
    const pull = await screen.findByRole('region', { name: 'Pull' });
    await waitFor(() => expect(within(pull).getAllByRole('button', { name: /^Copy / }).map((b) => b.getAttribute('aria-label'))).toEqual([
      `Copy docker pull 127.0.0.1:5000/app@${t.digest}`,
      `Copy docker pull registry.local:5443/app@${t.digest}`,
    ]));
  });

  it('builds addresses from the live status: wildcard binds become loopback, port 443 is left out', () => {
    const fake = new FakeBerth();
    const status = { ...fake.status, registry: { state: 'running' as const, address: 'http://0.0.0.0:5001' }, proxy: { state: 'running' as const, address: '0.0.0.0:443' }, hostname: 'reg.example' };
    expect(addresses(status, null)).toEqual({ direct: '127.0.0.1:5001', proxy: 'reg.example' });
    expect(addresses(null, fake.settings)).toEqual({ direct: '127.0.0.1:5000', proxy: 'registry.local:5443' });
    expect(addresses({ ...status, proxy: { state: 'stopped' } }, fake.settings)).toEqual({ direct: '127.0.0.1:5001', proxy: null });
    expect(pullCommand('docker', 'reg.example', 'a/b', 'sha256:abc', false)).toBe('docker pull reg.example/a/b@sha256:abc');
  });
});
