// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../renderer/src/api/types.js';
import { FakeBerth } from './fake-berth.js';
import { goTo, renderApp } from './render-app.js';

afterEach(cleanup);

const CERT: CertificateInfo = {
  subject: 'CN=registry.local', issuer: 'CN=Berth CA', sans: ['registry.local'], sha256Fingerprint: 'AA', notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2027-01-01T00:00:00Z', caFile: '/var/lib/berth/ca.crt', caSha256Fingerprint: 'BB',
};

/** A registry with content: the onboarding recipe is not on screen, only the top bar offers the commands. */
function withImages(): FakeBerth {
  const fake = new FakeBerth();
  fake.addTag('team/app', 'v1');
  return fake;
}

async function openPanel(): Promise<HTMLElement> {
  await screen.findByRole('link', { name: 'team/app' });
  const opener = screen.getByRole('button', { name: 'Push an image' });
  opener.focus();
  fireEvent.click(opener);
  return screen.getByRole('dialog', { name: 'Push an image' });
}

const commands = (scope: HTMLElement): string[] => Array.from(scope.querySelectorAll('code.command-text')).map((c) => c.textContent ?? '');
const check = (panel: HTMLElement, id: string): HTMLElement => panel.querySelector(`[data-check="${id}"]`) as HTMLElement;

describe('Push an image panel', () => {
  it('opens from the top bar on any page with the loopback and the proxy commands', async () => {
    renderApp(withImages());
    const panel = await openPanel();
    const all = commands(panel);
    // This machine: plain HTTP on loopback, no login.
    expect(all).toContain('docker tag alpine:latest 127.0.0.1:5000/alpine:latest');
    expect(all).toContain('docker push 127.0.0.1:5000/alpine:latest');
    expect(all).not.toContain('docker login 127.0.0.1:5000');
    // The proxy, under the configured hostname and its port.
    expect(all).toContain('docker login registry.local:5443');
    expect(all).toContain('docker push registry.local:5443/alpine:latest');
    // Names are editable and every command follows.
    fireEvent.change(within(panel).getByLabelText('Name in Berth'), { target: { value: 'team/web:2.0' } });
    expect(commands(panel)).toContain('docker push registry.local:5443/team/web:2.0');
    expect(commands(panel)).toContain('docker pull 127.0.0.1:5000/team/web:2.0');
    // Escape closes it and gives focus back to the button that opened it.
    fireEvent.keyDown(panel, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Push an image' }));
  });

  it('says the proxy is not running, with the commands it will take once started', async () => {
    const fake = withImages();
    fake.status = { ...fake.status, proxy: { state: 'error', message: 'port 5443 is in use' } };
    renderApp(fake);
    const panel = await openPanel();
    expect(panel.textContent).toContain('The proxy is not running (port 5443 is in use)');
    const stopped = Array.from(panel.querySelectorAll('.command')).filter((c) => c.querySelector('.command-label')?.textContent === 'Proxy (stopped)');
    expect(stopped.map((c) => c.querySelector('code')?.textContent)).toEqual(['docker login registry.local:5443', 'docker tag alpine:latest registry.local:5443/alpine:latest', 'docker push registry.local:5443/alpine:latest']);
    expect(within(check(panel, 'proxy')).getByText('Missing')).toBeTruthy();
  });

  it('lists what the proxy still needs, each with the Access page action that fixes it', async () => {
    renderApp(withImages());
    const panel = await openPanel();
    const list = within(panel).getByRole('list', { name: 'Proxy prerequisites' });
    await waitFor(() => expect(within(check(list, 'user')).getByText('Missing')).toBeTruthy());
    expect(within(check(list, 'proxy')).getByText('Done')).toBeTruthy();
    await waitFor(() => expect(within(check(list, 'certificate')).getByText('Missing')).toBeTruthy());
    expect(within(check(list, 'trust')).getByText('Missing')).toBeTruthy();
    expect(check(list, 'trust').textContent).toContain('needs the certificate first');
    await waitFor(() => expect(within(check(list, 'hosts')).getByText('Missing')).toBeTruthy());
    expect(within(check(list, 'user')).getByRole('link', { name: 'Add a user (A user exists)' }).getAttribute('href')).toBe('#/access/users');
    expect(within(check(list, 'certificate')).getByRole('link', { name: /Generate certificate/ }).getAttribute('href')).toBe('#/access/certificate');
    expect(within(check(list, 'trust')).getByRole('link', { name: /Trust the CA/ }).getAttribute('href')).toBe('#/access/certificate');
    expect(within(check(list, 'hosts')).getByRole('link', { name: /Add hosts entry/ }).getAttribute('href')).toBe('#/access/hosts');
  });

  it('shows every prerequisite done once a user, the certificate, trust and the hosts entry exist', async () => {
    const fake = withImages();
    fake.users.set('alice', 'a-password-of-sorts');
    fake.certificate = CERT;
    fake.trust = [{ id: 'docker-certs-d', label: 'Docker engine (/etc/docker/certs.d/registry.local:5443)', installed: true }];
    fake.hostsEntries = [{ ip: '127.0.0.1', hostname: 'registry.local' }];
    renderApp(fake);
    const panel = await openPanel();
    for (const id of ['proxy', 'user', 'certificate', 'trust', 'hosts']) {
      await waitFor(() => expect(within(check(panel, id)).getByText('Done')).toBeTruthy());
      expect(within(check(panel, id)).queryByRole('link')).toBeNull();
    }
    expect(check(panel, 'user').textContent).toContain('alice');
    expect(check(panel, 'trust').textContent).toContain('/etc/docker/certs.d/registry.local:5443');
  });

  it('a fix link closes the panel and lands on the Access page card that fixes it, focused', async () => {
    renderApp(withImages());
    const panel = await openPanel();
    const fix = await within(panel).findByRole('link', { name: 'Add hosts entry (Hosts entry present)' });
    fireEvent.click(fix);
    expect(screen.queryByRole('dialog')).toBeNull();
    await goTo('#/access/hosts');
    const heading = await screen.findByRole('heading', { name: 'Hosts entry' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it('needs no hosts entry for a name that resolves anyway', async () => {
    const fake = withImages();
    fake.settings = { ...fake.settings, hostname: 'localhost' };
    fake.status = { ...fake.status, hostname: 'localhost' };
    renderApp(fake);
    const panel = await openPanel();
    await waitFor(() => expect(within(check(panel, 'hosts')).getByText('Not needed')).toBeTruthy());
  });
});
