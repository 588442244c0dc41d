// needs: nothing (the app is built in-process; its OpenAPI document needs no database or Temporal)
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { fetchDocument, renderSchema, schemaPath } from '../../scripts/generate-api-client.ts';

it('the committed API client types match the OpenAPI document the app serves (npm run api:generate)', async () => {
  expect(readFileSync(schemaPath, 'utf8') === (await renderSchema()), 'src/api-client/schema.d.ts is stale: run npm run api:generate').toBe(true);
}, 60_000);

it('names its server, so a client generated from the document calls /api/v1/... (paths are relative to it)', async () => {
  const document = (await fetchDocument()) as { servers?: Array<{ url: string }>; paths: Record<string, unknown> };
  expect(document.servers).toEqual([{ url: '/api/v1' }]);
  expect(Object.keys(document.paths)).toContain('/services');
});
