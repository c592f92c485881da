import { mkdir, writeFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { spawnServer } from './procs.js';
import { freePort } from './registries.js';

/**
 * The classic pair Berth replaces: nginx (Debian's nginx-light) terminating TLS with basic auth in front of
 * the reference registry, configured like the docker-registry nginx recipe (request bodies buffered as
 * nginx does by default, chunked transfer encoding on, 900 s read timeout, the usual forwarding headers).
 * It runs in the foreground with its own prefix, so nothing of the machine's nginx is touched.
 */

export interface NginxFront {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
  output(): string;
}

export async function startNginx(options: { dir: string; upstreamPort: number; certFile: string; keyFile: string; htpasswdFile: string }): Promise<NginxFront> {
  const { dir } = options;
  const port = await freePort();
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(nodePath.join(dir, sub), { recursive: true });
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes auto;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;

  upstream docker-registry {
    server 127.0.0.1:${options.upstreamPort};
  }

  map $upstream_http_docker_distribution_api_version $docker_distribution_api_version {
    '' 'registry/2.0';
  }

  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${options.certFile};
    ssl_certificate_key ${options.keyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;

    # Layers of any size.
    client_max_body_size 0;
    # Avoids HTTP 411 from some clients.
    chunked_transfer_encoding on;

    location /v2/ {
      auth_basic "Registry realm";
      auth_basic_user_file ${options.htpasswdFile};
      add_header 'Docker-Distribution-Api-Version' $docker_distribution_api_version always;

      proxy_pass http://docker-registry;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 900;
    }
  }
}
`;
  const confFile = nodePath.join(dir, 'nginx.conf');
  await writeFile(confFile, conf);
  const server = spawnServer('/usr/sbin/nginx', ['-p', dir, '-c', confFile, '-e', nodePath.join(dir, 'error.log')]);
  return { port, pid: server.child.pid as number, stop: server.stop, output: server.output };
}
