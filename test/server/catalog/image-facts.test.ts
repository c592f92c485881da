import { describe, expect, it } from 'vitest';
import { summarizeConfig } from '../../../server/catalog/image-facts.js';

const summary = (config: Record<string, unknown>) => summarizeConfig(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config })));

describe('summarizeConfig', () => {
  it('reads exposed ports, volumes, the healthcheck (nanoseconds to seconds) and the stop signal', () => {
    const s = summary({
      ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
      Volumes: { '/data': {} },
      Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 30e9, Timeout: 5e9, StartPeriod: 0, Retries: 3 },
      StopSignal: 'SIGQUIT',
    });
    expect(s).toMatchObject({ exposedPorts: ['8080/tcp', '53/udp'], volumes: ['/data'], healthcheck: { test: ['CMD-SHELL', 'curl -f http://localhost/'], interval: 30, timeout: 5, retries: 3 }, stopSignal: 'SIGQUIT' });
    expect(s?.healthcheck).not.toHaveProperty('startPeriod');
  });

  it('tolerates configs without them or with odd values', () => {
    const s = summary({ ExposedPorts: ['80'], Volumes: null, Healthcheck: { Test: 'curl' }, StopSignal: 9 });
    expect(s).toMatchObject({ exposedPorts: [], volumes: [] });
    expect(s).not.toHaveProperty('healthcheck');
    expect(s).not.toHaveProperty('stopSignal');
  });
});
