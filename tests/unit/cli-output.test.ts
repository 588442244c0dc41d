// needs: nothing
import { mkdtempSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, loadConfig, saveConfig } from '../../src/cli/config.ts';
import { parseDuration } from '../../src/cli/context.ts';
import { parseSplit } from '../../src/cli/commands/traffic.ts';
import { exitCodeForHttpStatus, exitCodeForStatus, exitCodes } from '../../src/cli/exit-codes.ts';
import { eventLine, renderTree } from '../../src/cli/live/render.ts';
import { readEventStream } from '../../src/cli/live/sse.ts';
import { applyEvent, initialState, reached, type Deployment, type Step } from '../../src/cli/live/state.ts';
import { ansiPattern, formatDuration } from '../../src/cli/output.ts';

const deployment: Deployment = {
  id: '00000000-0000-4000-8000-000000000001',
  service: 'web',
  environment: 'staging',
  version: '1.2.0',
  image: null,
  strategy: 'blue-green',
  status: 'in_progress',
  reason: null,
  created_by: 'ci',
  created_at: '2026-01-01T00:00:00.000Z',
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: null,
  workflow_id: 'release/w/staging/web',
  web_ui_url: 'http://localhost:8233/namespaces/default/workflows/release%2Fw%2Fstaging%2Fweb',
};
const step = (name: string, status: Step['status'], details: Record<string, unknown> | null = null): Step => ({
  step: name,
  status,
  message: null,
  details,
  started_at: '2026-01-01T00:00:00.000Z',
  ended_at: status === 'started' ? null : '2026-01-01T00:00:01.500Z',
  duration_ms: status === 'started' ? null : 1500,
});

describe('exit codes', () => {
  it('are distinct per outcome and map statuses and HTTP errors', () => {
    expect(new Set(Object.values(exitCodes)).size).toBe(Object.keys(exitCodes).length);
    expect(['succeeded', 'failed', 'rolled_back', 'aborted', 'in_progress'].map(exitCodeForStatus)).toEqual([0, 1, 3, 4, undefined]);
    expect([401, 403, 404, 409, 422, 500].map(exitCodeForHttpStatus)).toEqual([6, 6, 8, 8, 8, 8]);
  });
});

describe('the live view', () => {
  const state = initialState(deployment);
  applyEvent(state, { type: 'step', step: step('resolve-active-color', 'succeeded', { active: 'blue' }) });
  applyEvent(state, { type: 'step', step: step('smoke-tests', 'succeeded', { checks: [{ name: 'health', passed: true }, { name: 'db', passed: false, reason: 'status 500' }] }) });
  applyEvent(state, { type: 'step', step: step('monitor', 'started') });

  it('draws a tree with colour, durations and the running step on a terminal', () => {
    const lines = renderTree(state, { color: true, now: Date.parse('2026-01-01T00:00:03Z'), frame: 0, columns: 200 });
    expect(lines.join('\n')).toMatch(ansiPattern);
    const plain = lines.map((text) => text.replace(ansiPattern, ''));
    expect(plain).toEqual([
      'web 1.2.0 → staging (blue-green)  in_progress',
      '├─ ✔ resolve-active-color  1.5s  active blue',
      '├─ ✔ smoke-tests  1.5s  health ✔, db ✖ status 500',
      '└─ ⠋ monitor  3.0s',
      `Temporal: ${deployment.web_ui_url}`,
    ]);
    // Cut to the terminal's width, so a redraw never leaves wrapped lines behind.
    expect(renderTree(state, { color: true, now: 0, frame: 1, columns: 20 }).every((text) => text.replace(ansiPattern, '').length <= 20)).toBe(true);
  });

  it('writes plain lines without escape codes when stdout is not a terminal', () => {
    const text = eventLine({ type: 'step', step: step('smoke-tests', 'failed', { checks: [{ name: 'db', passed: false, reason: 'status 500' }] }) }, new Date('2026-01-01T10:00:00Z'));
    expect(text).toBe('10:00:00 step smoke-tests failed 1.5s (db ✖ status 500)');
    expect(text).not.toMatch(ansiPattern);
    expect(renderTree(state, { color: false, now: 0, frame: 0, columns: 500 }).join('\n')).not.toMatch(ansiPattern);
  });

  it('knows when a release has switched, is waiting on a person, or ended; repeats of a reconnect change nothing', () => {
    const s = initialState(deployment);
    applyEvent(s, { type: 'step', step: step('resolve-active-color', 'succeeded', { active: 'green' }) });
    expect(reached(s, 'switched')).toBe(false);
    // A canary: all weight on the new colour (blue, since green was active).
    applyEvent(s, { type: 'step', step: step('step-3', 'succeeded', { weights: { blue: 100, green: 0 } }) });
    expect(reached(s, 'switched')).toBe(true);
    expect(applyEvent(s, { type: 'step', step: step('step-3', 'succeeded', { weights: { blue: 100, green: 0 } }) })).toBe(false);
    expect(reached(s, 'paused')).toBe(false);
    applyEvent(s, { type: 'status', status: 'awaiting_approval', reason: null });
    expect(reached(s, 'paused')).toBe(true);
    expect(reached(s, 'done')).toBe(false);
    applyEvent(s, { type: 'end', deployment: { ...deployment, status: 'failed' } });
    expect(reached(s, 'done')).toBe(true);
  });

  it('parses an event stream split anywhere, with comments and CRLF', async () => {
    const text = ': keep-alive\r\n\r\nevent: step\ndata: {"a":1}\nid: x:1\n\nevent: end\ndata: {"b":\ndata: 2}\n\n';
    const chunks = [text.slice(0, 7), text.slice(7, 30), text.slice(30)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const events = [];
    for await (const event of readEventStream(new Response(body))) events.push(event);
    expect(events).toEqual([
      { event: 'step', data: '{"a":1}', id: 'x:1' },
      { event: 'end', data: '{"b":\n2}', id: undefined },
    ]);
  });
});

describe('arguments and the config file', () => {
  it('parses splits and durations', () => {
    expect(parseSplit('30/70')).toEqual({ blue: 30, green: 70 });
    expect(() => parseSplit('30/60')).toThrow(/summing to 100/);
    expect(['500ms', '30s', '10m', '1h', '5'].map(parseDuration)).toEqual([500, 30_000, 600_000, 3_600_000, 5000]);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect([80, 1500, 65_000].map(formatDuration)).toEqual(['80ms', '1.5s', '1m05s']);
  });

  it('saves the token readable by its owner only, even over a file that was readable by all', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'cutover-config-'));
    const env = { HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') };
    expect(configPath(env)).toBe(path.join(home, 'xdg', 'cutover', 'config.json'));
    expect(configPath({ HOME: home })).toBe(path.join(home, '.config', 'cutover', 'config.json'));
    const file = saveConfig({ url: 'http://a', token: 'cut_1' }, env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    chmodSync(file, 0o644);
    writeFileSync(file, '{}');
    saveConfig({ url: 'http://b', token: 'cut_2' }, env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig(env)).toEqual({ url: 'http://b', token: 'cut_2' });
    expect(loadConfig({ ...env, CUTOVER_URL: 'http://c', CUTOVER_TOKEN: 'cut_3' })).toEqual({ url: 'http://c', token: 'cut_3' });
    expect(() => loadConfig({ HOME: mkdtempSync(path.join(tmpdir(), 'cutover-empty-')) })).toThrow(/not logged in/);
  });
});
