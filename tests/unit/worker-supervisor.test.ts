// needs: nothing (a fake supervisor on a loopback port)
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopSupervisor, type SupervisorAddress } from '../../src/targets/local/supervisor-client.ts';
import { workerSupervisor } from '../../src/targets/local/watchdog.ts';

// A worker with CUTOVER_LOCAL_COMMANDS=false must not bring a supervisor up: a new one restores state.json and
// runs every saved colour's command. The data dir holds a state file, so a watchdog would start one at once.

let address: SupervisorAddress;

/** A port nothing listens on, so no supervisor of another run answers. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }), done()) });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** What ensureSupervisor leaves the moment it starts a supervisor (before that one answers). */
const startAttempted = () => existsSync(path.join(address.dataDir, 'supervisor.log'));

beforeEach(async () => {
  const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'cutover-worker-supervisor-')), 'local-target');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, 'state.json'), JSON.stringify({ services: {} }));
  address = { dataDir, port: await freePort() };
});

afterEach(async () => {
  // Only when the code under test started a supervisor after all: wait until it says its pid, then stop it.
  const pidFile = path.join(address.dataDir, 'supervisor.pid');
  for (let waited = 0; startAttempted() && !existsSync(pidFile) && waited < 15_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stopSupervisor(address);
  rmSync(path.dirname(address.dataDir), { recursive: true, force: true });
}, 30_000);

describe('a worker with local commands off', () => {
  it('gives its activities a control that connects to a running supervisor and never starts one', async () => {
    const { local } = workerSupervisor(address, { localCommands: false });
    await expect(local()).rejects.toThrow(/no local supervisor answers/);
    expect(startAttempted()).toBe(false);
  });

  it('does not watch the supervisor, so nothing starts one with its saved services', async () => {
    const { logger, lines } = capturingLogger();
    const stop = workerSupervisor(address, { localCommands: false }).watch(logger, 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    expect(startAttempted()).toBe(false);
    expect(lines.map((line) => line.msg)).toEqual(['local commands are off: this worker neither starts nor watches the local supervisor']);
  });
});
