import { LocalDriver } from '../../../../server/storage/drivers/local.js';
import { removeDir, scratchDir } from '../../../support/berth.js';
import { describeDriverConformance } from '../driver-conformance.js';

describeDriverConformance('local', async () => {
  const root = scratchDir('berth-local-driver-');
  return { driver: new LocalDriver(root), cleanup: async () => removeDir(root) };
});
