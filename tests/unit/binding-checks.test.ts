// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { checkDefinition, checkWorkload, directoryAllowed, imageAllowed } from '../../src/bindings/check.ts';
import { bindingPolicySchema, type BindingPolicy, type ResolvedBinding } from '../../src/bindings/policy.ts';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';

const binding = (kind: 'kubernetes' | 'local', policy: Partial<BindingPolicy>): ResolvedBinding => ({
  id: 'b',
  workspaceId: 'w',
  environment: 'staging',
  target: { id: 't', name: kind, kind },
  policy: bindingPolicySchema.parse(policy),
});
const noUrlProblems = () => undefined;
const rules = (violations: Array<{ rule: string }>) => violations.map((found) => found.rule);

describe('images and folders', () => {
  it('allows an image by prefix or *, and nothing when no prefix is granted', () => {
    expect(imageAllowed('registry.example/team/web:1', ['registry.example/team/'])).toBe(true);
    expect(imageAllowed('registry.example/teamster/web:1', ['registry.example/team/'])).toBe(false);
    expect(imageAllowed('anything', ['*'])).toBe(true);
    expect(imageAllowed('anything', [])).toBe(false);
  });

  it('allows a folder and what is below it, not a sibling that shares its prefix', () => {
    expect(directoryAllowed('/srv/a', ['/srv/a'])).toBe(true);
    expect(directoryAllowed('/srv/a/backups', ['/srv/a/'])).toBe(true);
    expect(directoryAllowed('/srv/ab', ['/srv/a'])).toBe(false);
    expect(directoryAllowed('/etc', [])).toBe(false);
    expect(directoryAllowed('/anything', ['/'])).toBe(true);
  });
});

describe('a service definition against its binding', () => {
  it('names each field outside a Kubernetes binding with its rule', () => {
    const definition = serviceDefinitionSchema.parse({
      namespace: 'other',
      image: 'evil/miner:1',
      ports: [{ port: 80 }],
      hooks: { backup: { database: 'orders', directory: '/etc' }, migration: { command: ['migrate'] } },
      notifications: { webhookUrl: 'http://169.254.169.254/' },
    });
    const found = checkDefinition(definition, binding('kubernetes', { namespaces: ['shop'] }), { urlCheck: (url) => (url.includes('169.254') ? 'link-local' : undefined) });
    expect(found.map((violation) => `${violation.path} ${violation.rule}`)).toEqual([
      'definition.namespace namespace-not-bound',
      'definition.image image-not-allowed',
      'definition.hooks.migration service-account-not-allowed',
      'definition.hooks.backup.database database-not-granted',
      'definition.hooks.backup.directory directory-not-granted',
      'definition.notifications.webhookUrl egress-not-allowed',
    ]);
  });

  it('passes a definition inside its binding', () => {
    const definition = serviceDefinitionSchema.parse({ namespace: 'shop', image: 'reg/web:1', ports: [{ port: 80 }], hooks: { backup: { database: 'orders', directory: '/srv/b/x' } } });
    const policy = { namespaces: ['shop'], imagePrefixes: ['reg/'], databases: { orders: { urlEnv: 'ORDERS_URL' } }, directories: ['/srv/b'] };
    expect(checkDefinition(definition, binding('kubernetes', policy), { urlCheck: noUrlProblems })).toEqual([]);
  });

  it('checks a local definition\'s commands, ports and folder', () => {
    const definition = serviceDefinitionSchema.parse({
      target: 'local',
      image: 'app.mjs',
      local: { port: 3000, previewPort: 3001, colorPorts: { blue: 3010, green: 4000 }, cwd: '/home/else' },
    });
    const found = checkDefinition(definition, binding('local', { localPorts: { from: 3000, to: 3999 }, directories: ['/srv'] }), { urlCheck: noUrlProblems });
    expect(found.map((violation) => violation.path)).toEqual(['definition.local.command', 'definition.local.colorPorts.green', 'definition.local.cwd']);
  });

  it('skips URLs that name analysis arguments: they are checked when filled in, where fetched', () => {
    const definition = serviceDefinitionSchema.parse({
      namespace: 'shop',
      image: 'reg/web:1',
      ports: [{ port: 80 }],
      analysisTemplates: { web: { metrics: [{ name: 'm', provider: { type: 'web', url: '{{args.url}}' } }] } },
    });
    const refuseAll = () => 'refused';
    expect(checkDefinition(definition, binding('kubernetes', { namespaces: ['shop'], imagePrefixes: ['*'] }), { urlCheck: refuseAll })).toEqual([]);
  });
});

describe('an ops workload against its binding', () => {
  it('needs local commands on, a bound namespace, an allowed ServiceAccount and a granted database', () => {
    const local = binding('local', {});
    const kube = binding('kubernetes', { namespaces: ['ops'], imagePrefixes: ['*'], serviceAccounts: ['runner'] });
    expect(rules(checkWorkload({ type: 'local', command: ['true'] }, local))).toEqual(['local-commands-off']);
    expect(rules(checkWorkload({ type: 'kubernetes', namespace: 'ops', image: 'x', command: ['true'] }, kube))).toEqual(['service-account-not-allowed']);
    expect(rules(checkWorkload({ type: 'kubernetes', namespace: 'ops', image: 'x', command: ['true'], service_account: 'runner' }, kube))).toEqual([]);
    expect(rules(checkWorkload({ type: 'database-backup', database: 'platform', directory: '/tmp', keep: 1 }, local))).toEqual(['database-not-granted', 'directory-not-granted']);
    expect(rules(checkWorkload({ type: 'cleanup-deployments', older_than_days: 90 }, local))).toEqual([]);
  });
});

describe('Gateway API routes against the binding', () => {
  const gatewayDefinition = (traffic: Record<string, unknown>) =>
    serviceDefinitionSchema.parse({ namespace: 'shop', image: 'reg/web:1', ports: [{ port: 80 }], traffic: { provider: 'gateway-api', ...traffic } });
  const check = (traffic: Record<string, unknown>, policy: Partial<BindingPolicy> = {}) =>
    rules(checkDefinition(gatewayDefinition(traffic), binding('kubernetes', { namespaces: ['shop'], imagePrefixes: ['*'], ...policy }), { urlCheck: noUrlProblems }));

  it('attaches to a Gateway of its own namespaces with any host names', () => {
    expect(check({ gateway: { name: 'gw' } })).toEqual([]);
    expect(check({ gateway: { name: 'gw', namespace: 'shop' }, hostnames: ['shop.example.com'] })).toEqual([]);
  });

  it('attaches to a shared Gateway only where the binding lists it, and only for the host names it grants', () => {
    expect(check({ gateway: { name: 'public', namespace: 'infra' }, hostnames: ['shop.example.com'] })).toEqual(['gateway-not-allowed', 'hostname-not-allowed']);
    const shared = { gateways: ['infra/public'], hostnames: ['*.shop.example.com', 'shop.example.com'] };
    expect(check({ gateway: { name: 'public', namespace: 'infra' }, hostnames: ['shop.example.com', 'api.shop.example.com'] }, shared)).toEqual([]);
    expect(check({ gateway: { name: 'public', namespace: 'infra' }, hostnames: ['bank.example.com'] }, shared)).toEqual(['hostname-not-allowed']);
    expect(check({ gateway: { name: 'public', namespace: 'infra' } }, shared)).toEqual(['hostnames-required']);
  });
});

describe('URLs that look like templates', () => {
  it('are let through only in analysis providers, whose arguments are filled in where they are fetched', () => {
    const definition = serviceDefinitionSchema.parse({ namespace: 'shop', image: 'reg/web:1', ports: [{ port: 80 }], notifications: { webhookUrl: 'http://169.254.169.254/?{{x}}' } });
    const found = checkDefinition(definition, binding('kubernetes', { namespaces: ['shop'], imagePrefixes: ['*'] }), { urlCheck: () => 'refused' });
    expect(found.map((violation) => violation.path)).toEqual(['definition.notifications.webhookUrl']);
  });
});
