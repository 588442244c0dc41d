// needs: Postgres, Temporal dev server, the local target (real processes)
import { describe, expect, it } from 'vitest';
import { readEventStream } from '../../src/cli/live/sse.ts';
import { serveForCli } from '../support/cli.ts';
import { useLocalReleaseFixture } from '../support/local-release.ts';

// GET /services/{name}/traffic/events: the split now, then each change, whoever makes it.
const fixture = useLocalReleaseFixture('traffic-events');
const { ctx } = fixture;

describe('the traffic event stream', () => {
  it('sends the split at once and again when it changes, then reconnect at max_ms', async () => {
    await fixture.register('stream-me');
    // Two releases, so both colours run and the split can be anything.
    for (const version of ['1.0.0', '2.0.0'] as const) {
      const release = await fixture.release('stream-me', version);
      expect((await fixture.until(release.id)).status).toBe('succeeded');
    }
    const server = await serveForCli(ctx.harness.app);
    try {
      const response = await fetch(`${server.url}/api/v1/services/stream-me/traffic/events?environment=staging&poll_ms=100&max_ms=4000`, {
        headers: { authorization: `Bearer ${ctx.workspace.tokens.viewer}`, accept: 'text/event-stream' },
      });
      expect(response.status).toBe(200);
      const events: Array<{ event: string; data: unknown }> = [];
      let changed = false;
      for await (const event of readEventStream(response)) {
        events.push({ event: event.event, data: JSON.parse(event.data) as unknown });
        if (!changed && event.event === 'weights') {
          changed = true;
          const split = await ctx.harness.call('POST', '/api/v1/services/stream-me/traffic', { token: ctx.workspace.tokens.operator, body: { environment: 'staging', blue: 30, green: 70 } });
          expect(split.status, await split.clone().text()).toBe(200);
        }
      }
      const weights = events.filter((event) => event.event === 'weights').map((event) => event.data);
      expect(weights[0]).toEqual(expect.objectContaining({ blue: expect.any(Number) as unknown, green: expect.any(Number) as unknown }));
      expect(weights.at(-1)).toEqual({ blue: 30, green: 70 });
      // Sent on change only: no repeats of the same split.
      expect(new Set(weights.map((value) => JSON.stringify(value))).size).toBe(weights.length);
      expect(events.at(-1)?.event).toBe('reconnect');
    } finally {
      await server.close();
    }
  });
});
