// needs: Postgres, Temporal dev server, the local target (real processes)
import { describe, expect, it } from 'vitest';
import { useLocalReleaseFixture } from '../support/local-release.ts';

const { ctx, register, release, until } = useLocalReleaseFixture('local-traffic');

const setTraffic = (service: string, blue: number, green: number) =>
  ctx.harness.call('POST', `/api/v1/services/${service}/traffic`, { token: ctx.workspace.tokens.operator, body: { environment: 'staging', blue, green } });

async function observedShare(port: number, requests: number): Promise<{ blue: number; green: number }> {
  const counts = { blue: 0, green: 0 };
  for (let batch = 0; batch < requests / 50; batch += 1) {
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(`http://127.0.0.1:${port}/`)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      counts[answer.headers.get('x-cutover-color') as 'blue' | 'green'] += 1;
      await answer.arrayBuffer();
    }
  }
  return { blue: (counts.blue / requests) * 100, green: (counts.green / requests) * 100 };
}

describe('traffic splits on the local proxy', () => {
  it('splits traffic as set through the API, within 3 points over 2,000 requests, and reads it back', async () => {
    const ports = await register('split');
    expect((await until((await release('split', '1.0.0')).id)).status).toBe('succeeded');
    expect((await until((await release('split', '2.0.0')).id)).status).toBe('succeeded');

    for (const [blue, green] of [
      [30, 70],
      [80, 20],
    ] as const) {
      const response = await setTraffic('split', blue, green);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ provider: 'local-proxy', capabilities: { partialWeights: true }, weights: { blue, green } });
      const share = await observedShare(ports.port, 2_000);
      expect(Math.abs(share.blue - blue)).toBeLessThanOrEqual(3);
    }
    const read = await ctx.harness.call('GET', '/api/v1/services/split/traffic?environment=staging', { token: ctx.workspace.tokens.viewer });
    expect(((await read.json()) as { weights: unknown }).weights).toEqual({ blue: 80, green: 20 });
  });

  it('refuses traffic to a colour with nothing running, and any change while a release runs', async () => {
    await register('lonely');
    expect((await until((await release('lonely', '1.0.0')).id)).status).toBe('succeeded');
    const cold = await setTraffic('lonely', 50, 50);
    expect(cold.status).toBe(409);
    expect(((await cold.json()) as { error: { message: string } }).error.message).toMatch(/lonely-green has no ready instances/);

    const running = await release('lonely', '2.0.0', { monitorDurationMs: 10_000 });
    await until(running.id, ['in_progress']);
    const busy = await setTraffic('lonely', 100, 0);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: { details: unknown } }).error.details).toEqual({ deploymentId: running.id });
    await ctx.harness.call('POST', `/api/v1/deployments/${running.id}/promote`, { token: ctx.workspace.tokens.operator, body: {} });
    expect((await until(running.id)).status).toBe('succeeded');
  });
});
