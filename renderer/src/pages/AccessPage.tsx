import { CertificateCard } from '../components/CertificateCard.js';
import { HostsCard } from '../components/HostsCard.js';
import { UsersCard } from '../components/UsersCard.js';

/** Who may push and pull, and how Docker reaches and trusts the registry by name. */
export function AccessPage() {
  return (
    <>
      <div className="page-head"><h1>Access</h1></div>
      <UsersCard />
      <CertificateCard />
      <HostsCard />
    </>
  );
}
