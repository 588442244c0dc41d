// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { blueGreenOptionsSchema, blueGreenRelease } from '../../src/releases/strategies.ts';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';
import type { BlueGreenInput } from '../../src/workflows/blue-green.ts';

const request = (environment: string) => ({
  workspaceId: '00000000-0000-4000-8000-000000000001',
  workspaceName: 'acme',
  service: 'web',
  environment,
  version: '1.0.0',
  image: 'web:1.0.0',
  strategy: 'blue-green' as const,
  options: {},
  requestedBy: 'ci',
});

function inputFor(environment: string, backup: Record<string, unknown>): BlueGreenInput {
  const definition = serviceDefinitionSchema.parse({
    namespace: 'shop',
    image: 'web:1',
    ports: [{ port: 80 }],
    hooks: { backup: { database: 'web-db', directory: '/backups', ...backup } },
  });
  const started = blueGreenRelease(request(environment), definition, blueGreenOptionsSchema.parse({}))('deployment-1');
  return started.args[0] as BlueGreenInput;
}

describe('the backup hook of a blue-green release', () => {
  it('runs by default in production and not elsewhere', () => {
    expect(inputFor('production', {}).definition.hooks?.backup?.enabled).toBe(true);
    expect(inputFor('prod', {}).definition.hooks?.backup?.enabled).toBe(true);
    expect(inputFor('staging', {}).definition.hooks?.backup?.enabled).toBe(false);
  });

  it('follows an explicit setting in any environment', () => {
    expect(inputFor('production', { enabled: false }).definition.hooks?.backup?.enabled).toBe(false);
    expect(inputFor('staging', { enabled: true }).definition.hooks?.backup?.enabled).toBe(true);
  });
});
