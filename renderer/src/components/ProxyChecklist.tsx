import { useApp } from '../hooks/app-context.js';
import { hrefs } from '../hooks/use-hash-route.js';
import { useQuery } from '../hooks/use-query.js';

/** The Access page's cards a fix link brings into view, by the heading each card is labelled with. */
export const ACCESS_SECTIONS: Readonly<Record<string, string>> = { users: 'users-heading', certificate: 'cert-heading', hosts: 'hosts-heading' };

type State = 'done' | 'missing' | 'unknown' | 'not-needed';
interface Check { id: string; label: string; state: State; detail: string; fix?: { href: string; text: string } }

const STATE_TEXT: Record<State, string> = { done: 'Done', missing: 'Missing', unknown: 'Unknown', 'not-needed': 'Not needed' };
const STATE_MARK: Record<State, string> = { done: '✓', missing: '✗', unknown: '?', 'not-needed': '–' };

// Names that resolve without a hosts entry: loopback names and literal addresses.
const resolvesAnyway = (hostname: string): boolean => hostname === 'localhost' || hostname.endsWith('.localhost') || /^[\d.]+$/.test(hostname) || hostname.includes(':');

/**
 * What `docker login` / `docker push` through the proxy needs, each with its state and a link to the
 * Access page action that fixes it. Built from the bridge's existing reads: users, certificate, trust, hosts.
 */
export function ProxyChecklist({ onFix }: { onFix?(): void }) {
  const { client, status, settings } = useApp();
  const users = useQuery(() => client.listUsers(), [client]);
  const cert = useQuery(() => client.getCertificate(), [client]);
  const trust = useQuery(() => client.getTrust(), [client, cert.data?.sha256Fingerprint]);
  const hosts = useQuery(() => client.getHostsEntry(), [client]);
  const hostname = status?.hostname || settings?.hostname || '';

  const checks: Check[] = [];
  const proxyState = status?.proxy.state;
  checks.push({
    id: 'proxy', label: 'The proxy is running',
    state: proxyState === 'running' ? 'done' : proxyState ? 'missing' : 'unknown',
    detail: status?.proxy.state === 'running' ? status.proxy.address : status?.proxy.state === 'error' ? status.proxy.message : 'stopped',
    fix: { href: hrefs.settings(), text: 'Open Settings' },
  });
  const userCount = users.data?.users.length;
  checks.push({
    id: 'user', label: 'A user exists',
    state: users.error ? 'unknown' : userCount === undefined ? 'unknown' : userCount > 0 ? 'done' : 'missing',
    detail: userCount ? users.data?.users.map((u) => u.name).join(', ') ?? '' : userCount === 0 ? 'nobody can log in yet' : '',
    fix: { href: hrefs.access('users'), text: 'Add a user' },
  });
  const certMade = cert.data !== undefined ? cert.data !== null : undefined;
  checks.push({
    id: 'certificate', label: 'Certificate made',
    state: cert.error || certMade === undefined ? 'unknown' : certMade ? 'done' : 'missing',
    detail: cert.data ? `for ${cert.data.sans.join(', ')}, valid until ${cert.data.notAfter.slice(0, 10)}` : certMade === false ? `none for ${hostname || 'the hostname'} yet` : '',
    fix: { href: hrefs.access('certificate'), text: 'Generate certificate' },
  });
  const targets = trust.data ?? [];
  const trusted = targets.filter((t) => t.installed);
  checks.push({
    id: 'trust', label: 'CA trusted by Docker',
    state: certMade === false ? 'missing' : trust.error || !trust.data ? 'unknown' : targets.length === 0 ? 'unknown' : trusted.length > 0 ? 'done' : 'missing',
    detail: certMade === false ? 'needs the certificate first' : trusted.length ? trusted.map((t) => t.label).join(', ') : targets.map((t) => t.label).join(', '),
    fix: { href: hrefs.access('certificate'), text: 'Trust the CA' },
  });
  const entry = hosts.data?.entries.some((e) => e.hostname === hostname);
  checks.push({
    id: 'hosts', label: 'Hosts entry present',
    state: resolvesAnyway(hostname) ? 'not-needed' : hosts.error || entry === undefined ? 'unknown' : entry ? 'done' : 'missing',
    detail: resolvesAnyway(hostname) ? `${hostname} resolves without one` : entry ? `${hostname} in ${hosts.data?.path ?? 'the hosts file'}` : `${hostname} is not in ${hosts.data?.path ?? 'the hosts file'}`,
    fix: { href: hrefs.access('hosts'), text: 'Add hosts entry' },
  });

  return (
    <ul className="checklist" aria-label="Proxy prerequisites">
      {checks.map((c) => (
        <li key={c.id} className={`check check-${c.state}`} data-check={c.id}>
          <span className="check-mark" aria-hidden="true">{STATE_MARK[c.state]}</span>
          <span className="check-label">{c.label}: <strong>{STATE_TEXT[c.state]}</strong></span>
          {c.detail ? <span className="muted check-detail">{c.detail}</span> : null}
          {c.fix && c.state !== 'done' && c.state !== 'not-needed' ? (
            <a className="check-fix" href={c.fix.href} onClick={() => onFix?.()} aria-label={`${c.fix.text} (${c.label})`}>{c.fix.text}</a>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
