// needs: Postgres, Temporal dev server, the local target (real processes)
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSupervisor } from '../../src/targets/local/supervisor-client.ts';
import { useLocalReleaseFixture } from '../support/local-release.ts';

// The activity side of the boundary on this machine: a worker started with CUTOVER_LOCAL_COMMANDS=false runs no
// local command, whatever the binding allows — neither a colour's process nor a local migration hook — and
// the release fails saying why, with nothing started. Such a worker starts no supervisor; here one runs already
// (started before local commands were turned off), so the releases reach the activities that must refuse.

const { ctx, register, release, until } = useLocalReleaseFixture('nocmd', { ops: { localCommands: false } });
beforeAll(async () => {
  await ensureSupervisor(ctx.supervisor);
});

/** Whether anything answers on a port of this machine. */
async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

describe('a worker that runs no local commands', () => {
  it('refuses to start a local colour: the release fails before any process runs', async () => {
    const ports = await register('nocmd-web');
    const done = await until((await release('nocmd-web', '1.0.0')).id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(/outside the binding.*CUTOVER_LOCAL_COMMANDS=false/);
    // Cutover's own proxy may listen already (the service is claimed first); no colour's process runs.
    for (const port of [ports.blue, ports.green]) expect(await answers(port), `colour port ${port}`).toBe(false);
  });

  it('refuses a local migration hook, which never runs', async () => {
    const marker = `/tmp/cutover-migration-${randomUUID()}`;
    await register('nocmd-migrating', { hooks: { migration: { command: ['touch', marker] } } });
    const done = await until((await release('nocmd-migrating', '1.0.0')).id);
    expect(done.status).toBe('failed');
    expect(done.reason).toMatch(/migration hook failed: this worker does not run local commands/);
    expect(existsSync(marker), 'the migration never ran').toBe(false);
    expect(done.steps.map((step) => step.step)).not.toContain('deploy-standby');
  });
});
