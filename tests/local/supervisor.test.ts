// needs: the local target (a real supervisor and sample-app processes)
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSupervisor, stopSupervisor, type SupervisorClient } from '../../src/targets/local/supervisor-client.ts';
import { localPorts, sampleColor, startSampleService, startTestSupervisor, waitReady } from '../support/local-supervisor.ts';
import { waitFor } from '../support/wait.ts';

let supervisor: Awaited<ReturnType<typeof startTestSupervisor>>;
let client: SupervisorClient;
let ports: Awaited<ReturnType<typeof localPorts>>;
const key = 'sup-test';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const control = (method: string, route: string, body?: unknown, token = readFileSync(path.join(supervisor.address.dataDir, 'token'), 'utf8')) =>
  fetch(`http://127.0.0.1:${supervisor.address.port}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  supervisor = await startTestSupervisor();
  client = supervisor.client;
  ports = await startSampleService(client, key, { blue: '1.0.0' });
  await client.setRoutes(key, { weights: { blue: 100, green: 0 } });
});

afterAll(async () => {
  await supervisor?.stop();
});

describe('the local supervisor', () => {
  it('reports a colour whose process died as not ready, and starts it again', async () => {
    await client.putColor(key, 'green', sampleColor('2.0.0', ports.green));
    await waitReady(client, key, 'green');
    const before = (await client.getService(key))!.colors.green!;
    expect(before.pid).toBeGreaterThan(0);
    process.kill(before.pid!, 'SIGKILL');
    const down = await waitFor('green reported down', async () => {
      const green = (await client.getService(key))!.colors.green!;
      return green.ready ? undefined : green;
    }, { intervalMs: 20 });
    expect(down.state).toBe('crashed');
    expect(down.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    const back = await waitFor('green back', async () => {
      const green = (await client.getService(key))!.colors.green!;
      return green.ready ? green : undefined;
    });
    expect(back.restarts).toBe(1);
    expect(back.pid).not.toBe(before.pid);
  });

  it('refuses to stop the colour that serves, and lets a colour finish its requests before stopping it', async () => {
    const serving = await control('DELETE', `/services/${key}/colors/blue`);
    expect(serving.status).toBe(409);
    expect(((await serving.json()) as { error: { code: string } }).error.code).toBe('serving');

    await client.setRoutes(key, { preview: 'green' });
    const slow = fetch(`http://127.0.0.1:${ports.previewPort}/slow?ms=700`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    await client.stopColor(key, 'green', 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-cutover-color')).toBe('green');
    const after = (await client.getService(key))!;
    expect(after.colors.green).toMatchObject({ state: 'stopped', ready: false, inFlight: 0 });
    expect(after.routes.preview).toBeNull();
  });

  it('answers bad requests with a 4xx in one JSON shape and changes nothing', async () => {
    const before = await client.getService(key);
    const cases: Array<[string, string, unknown, number, string]> = [
      ['PUT', `/services/${key}/routes`, { weights: { blue: 60, green: 30 } }, 422, 'validation_failed'],
      ['PUT', `/services/${key}/routes`, { weights: { blue: 50 } }, 422, 'validation_failed'],
      ['PUT', `/services/${key}/routes`, '{not json', 400, 'invalid_json'],
      ['PUT', `/services/${key}/colors/purple`, sampleColor('1.0.0', ports.green), 422, 'validation_failed'],
      ['PUT', `/services/${key}/colors/green`, { command: '' }, 422, 'validation_failed'],
      ['PUT', '/services/Bad_Key', { port: 1, previewPort: 2 }, 422, 'validation_failed'],
      ['GET', '/services/nope', undefined, 404, 'not_found'],
      ['PUT', '/services/other', { port: ports.port, previewPort: ports.previewPort }, 409, 'port_in_use'],
    ];
    for (const [method, route, body, status, code] of cases) {
      const response = await control(method, route, body);
      expect(response.status, `${method} ${route}`).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    expect((await control('GET', `/services/${key}`, undefined, 'wrong')).status).toBe(401);
    expect(await client.getService(key)).toMatchObject({ routes: before!.routes });
  });

  it('reports a colour whose command cannot start as crashed, with the reason', async () => {
    const other = await localPorts();
    await client.putService('broken', { port: other.port, previewPort: other.previewPort, host: '127.0.0.1' });
    await client.putColor('broken', 'blue', { ...sampleColor('1.0.0', other.blue), command: '/nonexistent/program' });
    const crashed = await waitFor('blue crashed', async () => {
      const blue = (await client.getService('broken'))!.colors.blue!;
      return blue.state === 'crashed' ? blue : undefined;
    });
    expect(crashed).toMatchObject({ ready: false, pid: null, lastExit: { error: 'ENOENT' } });
    // Nothing to send traffic to: refused rather than routed to a dead port.
    const refused = await control('PUT', '/services/broken/routes', { weights: { blue: 0, green: 100 } });
    expect(refused.status).toBe(409);
    await client.deleteService('broken', 0);
  });

  it('comes back after being killed: the same services, routes and colours, with no process left over', async () => {
    const before = (await client.getService(key))!;
    const oldBlue = before.colors.blue!.pid!;
    const pid = Number(readFileSync(path.join(supervisor.address.dataDir, 'supervisor.pid'), 'utf8'));
    process.kill(pid, 'SIGKILL');
    await waitFor('the supervisor gone', () => Promise.resolve(alive(pid) ? undefined : true));
    // Its colour process outlived it (its own process group) and still holds the port.
    expect(alive(oldBlue)).toBe(true);

    client = await ensureSupervisor(supervisor.address);
    await waitReady(client, key, 'blue');
    const after = (await client.getService(key))!;
    expect(after.routes).toEqual(before.routes);
    expect(after.colors.green?.state).toBe('stopped');
    expect(after.colors.blue?.pid).not.toBe(oldBlue);
    await waitFor('the leftover process gone', () => Promise.resolve(alive(oldBlue) ? undefined : true), { timeoutMs: 5_000 });
    const answer = await fetch(`http://127.0.0.1:${ports.port}/`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ version: '1.0.0', color: 'blue' });
    expect(existsSync(path.join(supervisor.address.dataDir, 'logs', `${key}-blue.log`))).toBe(true);
  });

  it('runs the same colours again after a clean stop and start', async () => {
    await stopSupervisor(supervisor.address);
    await expect(fetch(`http://127.0.0.1:${ports.port}/`)).rejects.toThrow();
    client = await ensureSupervisor(supervisor.address);
    await waitReady(client, key, 'blue');
    const after = (await client.getService(key))!;
    expect(after.routes.weights).toEqual({ blue: 100, green: 0 });
    expect(after.colors.green?.state).toBe('stopped');
    expect(await (await fetch(`http://127.0.0.1:${ports.port}/`)).json()).toMatchObject({ version: '1.0.0', color: 'blue' });
  });
});
