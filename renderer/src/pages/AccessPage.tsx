import { CertificateCard } from '../components/CertificateCard.js';
import { DockerLoginCard } from '../components/DockerLoginCard.js';
import { HostsCard } from '../components/HostsCard.js';
import { KeychainNotice } from '../components/KeychainNotice.js';
import { UsersCard } from '../components/UsersCard.js';
import { useApp } from '../hooks/app-context.js';
import { useNotify } from '../hooks/use-notify.js';
import { useQuery } from '../hooks/use-query.js';

/** Who may push and pull, and how Docker reaches and trusts the registry by name. */
export function AccessPage() {
  const { client } = useApp();
  const notify = useNotify();
  const users = useQuery(() => client.listUsers(), [client]);
  // Shared by the Users table (log in per user) and the Docker login card (who is logged in, log out).
  const docker = useQuery(() => client.getDockerLogin(), [client]);
  const logDockerIn = async (user: string): Promise<void> => {
    const info = await client.logDockerIn({ user });
    notify(`Docker is logged in to ${info.registry} as ${user}: the password stays in the keychain.`);
    docker.reload();
  };
  const keychain = users.data?.keychain;
  return (
    <>
      <div className="page-head"><h1>Access</h1></div>
      {keychain && !keychain.available ? <KeychainNotice state={keychain} /> : null}
      <UsersCard users={users} docker={{ user: docker.data?.helperRegistered ? docker.data.user : null, logIn: logDockerIn, changed: docker.reload }} />
      <DockerLoginCard info={docker.data} error={docker.error} onReload={docker.reload} keychain={keychain?.available !== false} />
      <CertificateCard />
      <HostsCard />
    </>
  );
}
