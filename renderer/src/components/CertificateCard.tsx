import { useAction } from '../hooks/use-action.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';
import { ErrorCard } from './ErrorCard.js';

/** One click for the CA + server certificate; trust per Docker target, each reversible. */
export function CertificateCard() {
  const { client, settings } = useApp();
  const notify = useNotify();
  const cert = useQuery(() => client.getCertificate(), [client]);
  const trust = useQuery(() => client.getTrust(), [client, cert.data?.sha256Fingerprint]);
  const { busy, error, run: act } = useAction();

  const c = cert.data;
  return (
    <section className="card" aria-labelledby="cert-heading">
      <h2 id="cert-heading">Certificate</h2>
      {c ? (
        <dl className="facts" aria-label="Certificate details">
          <dt>Subject</dt><dd data-testid="cert-subject">{c.subject}</dd>
          <dt>Names</dt><dd data-testid="cert-sans">{c.sans.join(', ')}</dd>
          <dt>SHA-256</dt><dd data-testid="cert-fingerprint"><code>{c.sha256Fingerprint}</code></dd>
          <dt>Valid until</dt><dd data-testid="cert-expiry">{new Date(c.notAfter).toISOString().slice(0, 10)}</dd>
          <dt>CA</dt><dd><code>{c.caFile}</code></dd>
        </dl>
      ) : (
        <p className="muted">No certificate yet. Docker needs one to log in to {settings?.hostname ?? 'this registry'} over TLS.</p>
      )}
      <div className="row">
        <button type="button" disabled={busy} onClick={() => void act(async () => {
          const made = await client.generateCertificate();
          notify(made.caReused === false ? 'New CA and certificate: trust the CA again where you use it.' : 'New certificate issued by the existing CA.');
          cert.reload();
        })}>{c ? 'Renew certificate' : 'Generate certificate'}</button>
      </div>
      {c && trust.data ? (
        <ul className="import-list" aria-label="Trust">
          {trust.data.map((t) => (
            <li key={t.id} className="row">
              <span>{t.label}: <strong>{t.installed ? 'trusted' : 'not trusted'}</strong></span>
              {t.note ? <span className="muted">{t.note}</span> : null}
              <button type="button" disabled={busy} onClick={() => void act(async () => {
                await (t.installed ? client.removeTrust({ id: t.id }) : client.installTrust({ id: t.id }));
                trust.reload();
              })}>{t.installed ? 'Remove trust' : 'Trust CA'}</button>
            </li>
          ))}
        </ul>
      ) : null}
      {error ? <ErrorCard error={error} /> : null}
    </section>
  );
}
