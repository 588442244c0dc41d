// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { releaseLockKey } from '../../src/releases/lock-key.ts';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';
import { isServiceKey, legacyServiceKey, localServiceKey } from '../../src/targets/local/service-key.ts';
import { checkOwner, OwnedElsewhereError, ownedElsewhere, ownerLabels } from '../../src/targets/ownership.ts';

const kube = (namespace: string) => serviceDefinitionSchema.parse({ namespace, image: 'registry.example/web:1', ports: [{ port: 80 }] });
const local = (port: number) =>
  serviceDefinitionSchema.parse({ target: 'local', image: '/srv/app.mjs', local: { port, previewPort: port + 1, colorPorts: { blue: port + 2, green: port + 3 } } });

describe('releaseLockKey', () => {
  it('names the objects, not who releases them: a namespace and service on Kubernetes, the public port on this machine', () => {
    expect(releaseLockKey('web', kube('shop'))).toBe('kubernetes/shop/web');
    expect(releaseLockKey('web', local(8080))).toBe('local/8080');
  });

  it('is the same for two services that would change the same objects, and differs otherwise', () => {
    // Two workspaces (or environments) naming one namespace and service, or one port, share the lock.
    expect(releaseLockKey('web', kube('shop'))).toBe(releaseLockKey('web', kube('shop')));
    expect(releaseLockKey('web', local(8080))).toBe(releaseLockKey('api', local(8080)));
    expect(releaseLockKey('web', kube('shop'))).not.toBe(releaseLockKey('web', kube('shop-b')));
    expect(releaseLockKey('web', kube('shop'))).not.toBe(releaseLockKey('api', kube('shop')));
    expect(releaseLockKey('web', local(8080))).not.toBe(releaseLockKey('web', local(9090)));
  });
});

describe('checkOwner', () => {
  const owner = { workspaceId: '7f0c6c1e-0000-4000-8000-000000000001', environment: 'staging' };
  const ref = { kind: 'Service', namespace: 'shop', name: 'web' };

  it("accepts the owner's own objects and an older Cutover's (to adopt), and refuses everyone else's", () => {
    expect(checkOwner(ref, { app: 'web', ...ownerLabels(owner) }, owner)).toBe('owned');
    expect(checkOwner(ref, { app: 'web', 'app.kubernetes.io/managed-by': 'cutover' }, owner)).toBe('legacy');
    const refused = (labels: Record<string, string> | undefined) => {
      try {
        checkOwner(ref, labels, owner);
      } catch (error) {
        return error as OwnedElsewhereError;
      }
      throw new Error('not refused');
    };
    const otherWorkspace = refused(ownerLabels({ ...owner, workspaceId: 'another' }));
    expect(otherWorkspace.owner).toEqual({ workspaceId: 'another', environment: 'staging' });
    expect(otherWorkspace.describeFor(owner)).toBe('Service shop/web belongs to another workspace');
    expect(refused(ownerLabels({ ...owner, environment: 'production' })).describeFor(owner)).toBe(
      'Service shop/web belongs to the production environment of this workspace',
    );
    expect(refused({ app: 'web' }).describeFor(owner)).toBe('Service shop/web exists and is not managed by Cutover: it is not adopted');
    expect(refused(undefined).owner).toBeUndefined();
    // Half an owner is not an older Cutover's object.
    expect(refused({ 'app.kubernetes.io/managed-by': 'cutover', 'cutover.dev/workspace': owner.workspaceId })).toBeInstanceOf(OwnedElsewhereError);
  });

  it('is found behind the errors that wrap it', () => {
    const owned = new OwnedElsewhereError(ref, undefined);
    expect(ownedElsewhere(new Error('failed to point Service shop/web at blue', { cause: owned }))).toBe(owned);
    expect(ownedElsewhere(new Error('other'))).toBeUndefined();
  });
});

describe('local service keys', () => {
  const owner = { workspaceId: '7f0c6c1e-0000-4000-8000-000000000001', environment: 'staging' };

  it('tell workspaces and environments apart, and stay safe as a URL path segment and a file name', () => {
    const key = localServiceKey(owner, 'shop');
    expect(key).toBe('7f0c6c1e-0000-4000-8000-000000000001.staging.shop');
    expect(localServiceKey({ ...owner, workspaceId: '7f0c6c1e-0000-4000-8000-000000000002' }, 'shop')).not.toBe(key);
    expect(localServiceKey({ ...owner, environment: 'production' }, 'shop')).not.toBe(key);
    expect(encodeURIComponent(key)).toBe(key);
    expect(isServiceKey(key)).toBe(true);
    // An older Cutover's keys and plain names stay valid.
    expect(isServiceKey('shop-8080')).toBe(true);
    for (const bad of ['..', '.hidden', 'a..b', 'a/b', 'a.b.c.d', 'Shop', `${'a'.repeat(201)}`]) expect(isServiceKey(bad), bad).toBe(false);
    // A part that holds the separator (or nothing) could be confused with another owner's: refused.
    expect(() => localServiceKey({ ...owner, environment: 'a.b' }, 'shop')).toThrow();
    expect(() => localServiceKey({ ...owner, workspaceId: '' }, 'shop')).toThrow();
  });

  it("finds the key an older Cutover gave the same service, to take it over", () => {
    expect(legacyServiceKey(localServiceKey(owner, 'shop'), 8080)).toBe('shop-8080');
    expect(legacyServiceKey('shop-8080', 8080)).toBeUndefined();
  });
});
