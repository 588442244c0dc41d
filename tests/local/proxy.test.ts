// needs: the local target (a real supervisor, its proxy and sample-app processes)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupervisorClient } from '../../src/targets/local/supervisor-client.ts';
import { startSampleService, startTestSupervisor } from '../support/local-supervisor.ts';

let supervisor: Awaited<ReturnType<typeof startTestSupervisor>>;
let client: SupervisorClient;
let ports: Awaited<ReturnType<typeof startSampleService>>;
const key = 'proxy-test';

async function get(path: string, port = ports.port): Promise<{ status: number; color: string | null; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, color: response.headers.get('x-cutover-color'), body: await response.text() };
}

beforeAll(async () => {
  supervisor = await startTestSupervisor();
  client = supervisor.client;
  ports = await startSampleService(client, key, { blue: '1.0.0', green: '2.0.0' });
});

afterAll(async () => {
  await supervisor?.stop();
});

describe('the local proxy', () => {
  it('answers 503 before any colour has traffic, and on preview before a colour is in preview', async () => {
    const stable = await get('/');
    expect(stable.status).toBe(503);
    expect(JSON.parse(stable.body)).toEqual({ error: { code: 'no_upstream', message: 'no colour serves this service yet' } });
    expect((await get('/', ports.previewPort)).status).toBe(503);
    await client.setRoutes(key, { preview: 'green' });
    const preview = await get('/', ports.previewPort);
    expect(preview).toMatchObject({ status: 200, color: 'green' });
    expect(JSON.parse(preview.body)).toMatchObject({ version: '2.0.0', color: 'green' });
  });

  it('splits 2,000 requests by the weights it was given, within 3 points', async () => {
    for (const [blue, green] of [
      [70, 30],
      [5, 95],
    ] as const) {
      expect(await client.setRoutes(key, { weights: { blue, green } })).toEqual({ weights: { blue, green }, preview: 'green' });
      const counts = { blue: 0, green: 0 };
      for (let batch = 0; batch < 40; batch += 1) {
        const answers = await Promise.all(Array.from({ length: 50 }, () => get('/')));
        for (const answer of answers) {
          expect(answer.status).toBe(200);
          counts[answer.color as 'blue' | 'green'] += 1;
        }
      }
      expect(counts.blue + counts.green).toBe(2_000);
      expect(Math.abs((counts.blue / 2_000) * 100 - blue)).toBeLessThanOrEqual(3);
    }
  });

  it('loses no request when traffic moves back and forth under load, and lets slow requests finish where they began', async () => {
    await client.setRoutes(key, { weights: { blue: 100, green: 0 } });
    const failures: string[] = [];
    const answered: Array<{ began: number; color: string | null }> = [];
    let sent = 0;
    const until = Date.now() + 3_000;
    // 20 clients, each on its own keep-alive connection, as fast as they can.
    const clients = Array.from({ length: 20 }, async () => {
      while (Date.now() < until) {
        const began = Date.now();
        sent += 1;
        try {
          const answer = await get('/');
          if (answer.status !== 200) failures.push(`${answer.status} ${answer.body}`);
          else answered.push({ began, color: answer.color });
        } catch (error) {
          failures.push(String(error));
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const slowOnBlue = Array.from({ length: 5 }, () => get('/slow?ms=800'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await client.setRoutes(key, { weights: { blue: 0, green: 100 } })).toMatchObject({ weights: { blue: 0, green: 100 } });
    await new Promise((resolve) => setTimeout(resolve, 800));
    await client.setRoutes(key, { weights: { blue: 100, green: 0 } });
    await client.setRoutes(key, { weights: { blue: 0, green: 100 } });
    const lastSwitchAt = Date.now();
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(500);
    // Requests begun after the last switch went to green; the slow ones begun before it finished on blue.
    const afterSwitch = answered.filter((answer) => answer.began > lastSwitchAt);
    expect(afterSwitch.length).toBeGreaterThan(100);
    expect(new Set(afterSwitch.map((answer) => answer.color))).toEqual(new Set(['green']));
    expect(new Set(answered.map((answer) => answer.color))).toEqual(new Set(['blue', 'green']));
    for (const slow of await Promise.all(slowOnBlue)) expect(slow).toMatchObject({ status: 200, color: 'blue' });
  });

  it('forwards request bodies and headers, and marks the colour that answered', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.port}/echo`, { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-cutover-color')).toBe('green');
    expect(await response.json()).toMatchObject({ service: 'sample-app', color: 'green' });
  });
});
