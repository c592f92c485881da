import { afterAll, beforeAll } from 'vitest';
import { S3Driver } from '../../server/storage/drivers/s3.js';
import { startSwiftS3, type SwiftS3 } from '../support/s3.js';
import { describeDriverConformance } from '../server/storage/driver-conformance.js';

let swift: SwiftS3;
beforeAll(async () => {
  swift = await startSwiftS3();
});
afterAll(async () => {
  await swift?.stop();
});

describeDriverConformance('s3 (OpenStack Swift)', async () => {
  const bucket = await swift.createBucket();
  const driver = new S3Driver({ bucket, prefix: 'conformance/root', region: swift.region, endpoint: swift.endpoint, forcePathStyle: true, credentials: swift, pageSize: 100 });
  await driver.check();
  return { driver, cleanup: async () => driver.close() };
  // A small page size reaches listing and batch-delete pagination with a few hundred objects.
}, { manyChildren: 250, overwriteMayMiss: true });
