// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { endpointPathSchema, serviceDefinitionSchema, serviceEndpoints } from '../../src/services/definition.ts';
import { fillCommand } from '../../src/targets/local/command.ts';

const local = { port: 8600, previewPort: 8601, colorPorts: { blue: 8610, green: 8611 } };

describe('service definitions', () => {
  it('reads a definition without a target as a Kubernetes one (definitions stored before targets existed)', () => {
    const parsed = serviceDefinitionSchema.parse({ namespace: 'shop', image: 'web:1', ports: [{ port: 80 }] });
    expect(parsed.target).toBe('kubernetes');
    expect(parsed.target === 'kubernetes' && parsed.replicas).toBe(2);
  });

  it('fills in the local defaults: node runs the artifact, one process per colour, /healthz readiness', () => {
    const parsed = serviceDefinitionSchema.parse({ target: 'local', image: 'app.mjs', local });
    if (parsed.target !== 'local') throw new Error('expected a local definition');
    expect(parsed.replicas).toBe(1);
    expect(parsed.local.command).toEqual(['node', '${image}']);
    expect(parsed.local.readiness.path).toBe('/healthz');
    expect(parsed.local.host).toBe('127.0.0.1');
  });

  it('refuses a local definition whose ports collide, and Kubernetes fields on a local one', () => {
    const clash = serviceDefinitionSchema.safeParse({ target: 'local', image: 'a', local: { ...local, previewPort: 8600 } });
    expect(clash.success).toBe(false);
    expect(clash.error?.issues[0]?.path).toEqual(['local', 'colorPorts']);
    expect(serviceDefinitionSchema.safeParse({ target: 'local', image: 'a', local, namespace: 'shop' }).success).toBe(false);
    expect(serviceDefinitionSchema.safeParse({ target: 'local', image: 'a', local, replicas: 2 }).success).toBe(false);
    expect(serviceDefinitionSchema.safeParse({ target: 'docker', image: 'a' }).success).toBe(false);
  });

  it('reaches a local service through its proxy ports, and a Kubernetes one through cluster DNS', () => {
    const parsedLocal = serviceDefinitionSchema.parse({ target: 'local', image: 'a', local: { ...local, host: '0.0.0.0' } });
    expect(serviceEndpoints('shop', parsedLocal)).toEqual({ preview: 'http://127.0.0.1:8601', stable: 'http://127.0.0.1:8600' });
    const parsedKube = serviceDefinitionSchema.parse({ namespace: 'shop', image: 'web:1', ports: [{ port: 8080 }] });
    expect(serviceEndpoints('web', parsedKube).stable).toBe('http://web.shop.svc.cluster.local:8080');
  });
});

describe('fillCommand', () => {
  it('fills the placeholders it knows and leaves the rest as written', () => {
    expect(fillCommand(['node', '${image}', '--port=${port}', '${color}-${version}', '${HOME}'], { image: 'a.mjs', port: '9', color: 'blue', version: '1.2' })).toEqual([
      'node',
      'a.mjs',
      '--port=9',
      'blue-1.2',
      '${HOME}',
    ]);
  });
});

describe('endpoint paths', () => {
  it('are paths on the service, never a way to another host', () => {
    for (const path of ['/healthz', '/ready?full=1', '/é']) expect(endpointPathSchema.safeParse(path).success, path).toBe(true);
    // URL parsing drops tabs and newlines: "/\t/evil.example/x" resolves to http://evil.example/x.
    for (const path of ['//169.254.169.254/latest', '/\\evil.example', '/\t/evil.example/x', '/\n/evil.example', '/\r/x', 'http://x/', 'healthz', '/a\u0000b']) {
      expect(endpointPathSchema.safeParse(path).success, JSON.stringify(path)).toBe(false);
    }
    expect(new URL('/\t/evil.example/x', 'http://svc.local').host, 'why tabs matter').toBe('evil.example');
  });
});
