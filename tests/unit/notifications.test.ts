// needs: nothing (a webhook receiver on loopback)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationActivities, type ReleaseNotification } from '../../src/activities/notifications.ts';
import { bindingPolicySchema, type BindingPolicy, type ResolvedBinding } from '../../src/bindings/policy.ts';

// Webhooks under the egress policy, against a real receiver on 127.0.0.1: delivered where the binding allows,
// not delivered (and not sent) anywhere else, and the URL — a Slack webhook's path is its credential — never logged.

const scope = { workspaceId: '22222222-2222-4222-8222-222222222222', environment: 'production' };

const kubernetes = (policy: Partial<BindingPolicy>): ResolvedBinding => ({
  id: 'binding',
  ...scope,
  target: { id: 'target', name: 'cluster', kind: 'kubernetes' },
  policy: bindingPolicySchema.parse(policy),
});

describe('webhook notifications', () => {
  const received: string[] = [];
  let port: number;
  const server = createServer((request, response) => {
    received.push(request.url ?? '/');
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const notification = (url: string): ReleaseNotification => ({
    ...scope,
    url,
    event: 'switched',
    service: 'web',
    version: 'v2',
    deploymentId: 'd1',
  });
  const activities = (policy: Partial<BindingPolicy>, platformPorts: number[] = []) =>
    createNotificationActivities({ logger, platformPorts, bindings: (asked, kind) => Promise.resolve(kind === 'kubernetes' ? kubernetes(policy) : undefined) });

  it('delivers to a receiver the binding allows', async () => {
    const allowed = activities({ egress: { hosts: [], cidrs: ['127.0.0.1/32'] } });
    const sent = await allowed.notifyWebhook(notification(`http://127.0.0.1:${port}/services/T0/B0/secret-one`));
    expect(sent).toEqual({ delivered: true });
    expect(received).toContain('/services/T0/B0/secret-one');
  });

  it('does not deliver to an internal address, a platform port or metadata, sends nothing, and logs no URL', async () => {
    const before = received.length;
    const unlisted = await activities({}).notifyWebhook(notification(`http://127.0.0.1:${port}/services/T1/B1/secret-two`));
    expect(unlisted).toEqual({ delivered: false, reason: "refused: 127.0.0.1 is not in the binding's egress CIDRs" });
    const loopback = activities({ egress: { hosts: [], cidrs: ['127.0.0.0/8'] } }, [port]);
    const platform = await loopback.notifyWebhook(notification(`http://127.0.0.1:${port}/services/T2/B2/secret-three`));
    expect(platform).toEqual({ delivered: false, reason: `refused: port ${port} is one of the platform's own ports (on 127.0.0.1)` });
    const metadata = await activities({ egress: { hosts: [], cidrs: ['0.0.0.0/0'] } }).notifyWebhook(notification('http://169.254.169.254/latest/secret-four'));
    expect(metadata).toMatchObject({ delivered: false, reason: 'refused: 169.254.169.254 is cloud metadata (link-local)' });
    expect(received.length).toBe(before);

    const logged = lines.join('');
    expect(logged).toContain('webhook notification not delivered');
    expect(logged).not.toMatch(/secret-|\/services\//);
  });
});
