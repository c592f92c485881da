import { writeFileSync } from 'node:fs';
import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeDir, scratchDir, startBerth } from '../support/berth.js';

/** `berth serve` mounts v1 by default; the flag, the YAML key and the environment each turn it off. */
describe('turning v1 on and off in berth serve', () => {
  const cases: [string, number, (dir: string) => { args?: string[]; env?: NodeJS.ProcessEnv }][] = [
    ['default', 200, () => ({})],
    ['--no-v1', 404, () => ({ args: ['--no-v1'] })],
    ['BERTH_V1=false', 404, () => ({ env: { BERTH_V1: 'false' } })],
    [
      'v1.enabled: false in the YAML file',
      404,
      (dir) => {
        const file = nodePath.join(dir, 'config.yml');
        writeFileSync(file, 'v1:\n  enabled: false\n');
        return { args: ['--config', file] };
      },
    ],
  ];
  it.each(cases)('%s → /v1/_ping answers %d, v2 is unaffected', async (_what, status, options) => {
    const dir = scratchDir('berth-v1-config-');
    const berth = await startBerth({ root: nodePath.join(dir, 'store'), ...options(dir) });
    try {
      const ping = await fetch(`${berth.url}/v1/_ping`);
      expect(ping.status).toBe(status);
      const body = (await ping.json()) as Record<string, unknown>;
      if (status === 404) expect(body.error).toMatch(/turned off/);
      else expect(ping.headers.get('x-docker-registry-standalone')).toBe('True');
      expect((await fetch(`${berth.url}/v2/`)).status).toBe(200);
    } finally {
      await berth.stop();
      removeDir(dir);
    }
  });
});
