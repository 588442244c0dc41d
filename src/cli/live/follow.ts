import { apiError, unreachable, type Connection } from '../client.ts';
import { CliError } from '../exit-codes.ts';
import { line, printJson, type Output } from '../output.ts';
import { eventLine, renderTree } from './render.ts';
import { readEventStream } from './sse.ts';
import { applyEvent, initialState, parseEvent, reached, type Deployment, type LiveEvent, type LiveState, type Until } from './state.ts';

/** How the follow ended: the release ended, reached `--until`, or `--timeout` passed first. */
export type FollowOutcome = 'ended' | 'reached' | 'timeout';

/** Renders what happens: a tree redrawn in place (TTY), one line per event (plain), or JSON lines. */
interface View {
  event(event: LiveEvent, state: LiveState): void;
  close(state: LiveState): void;
}

const hideCursor = '\u001b[?25l';
const showCursor = '\u001b[?25h';

function treeView(output: Output, state: LiveState): View {
  let drawn = 0;
  let frame = 0;
  const draw = () => {
    const lines = renderTree(state, { color: output.color, now: Date.now(), frame: frame++, columns: output.columns });
    // Up to the first line drawn last time, clear everything below, draw again.
    output.stdout.write(`${drawn > 0 ? `\u001b[${drawn}F\u001b[0J` : ''}${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const restore = () => output.stdout.write(showCursor);
  process.once('exit', restore);
  output.stdout.write(hideCursor);
  draw();
  // Ticks for the spinner and the running step's duration.
  const ticker = setInterval(draw, 200);
  return {
    event: draw,
    close() {
      clearInterval(ticker);
      draw();
      restore();
      process.removeListener('exit', restore);
    },
  };
}

function plainView(output: Output, state: LiveState): View {
  const d = state.deployment;
  line(output, `release ${d.service} ${d.version} to ${d.environment} (${d.strategy}), deployment ${d.id}`);
  line(output, `Temporal Web UI: ${d.web_ui_url}`);
  return { event: (event) => line(output, eventLine(event, new Date())), close: () => undefined };
}

function jsonView(output: Output): View {
  return {
    event(event) {
      if (event.type === 'step') printJson(output, { type: 'step', step: event.step });
      else if (event.type === 'status') printJson(output, { type: 'status', status: event.status, reason: event.reason });
      else printJson(output, { type: 'end', deployment: event.deployment });
    },
    close: () => undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connection failures in a row, before the API counts as unreachable (exit 7). */
const maxFailures = 4;

/**
 * Follows a deployment's event stream (reopening it when the server ends it for length) until the release
 * ends, reaches `until`, or `timeoutMs` passes.
 */
export async function followDeployment(
  connection: Connection,
  output: Output,
  deployment: Deployment,
  options: { until: Until; timeoutMs?: number },
): Promise<{ outcome: FollowOutcome; state: LiveState }> {
  const state = initialState(deployment);
  const view = output.json ? jsonView(output) : output.tty ? treeView(output, state) : plainView(output, state);
  const controller = new AbortController();
  let timedOut = false;
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), controller.abort()), options.timeoutMs);
  let failures = 0;
  let outcome: FollowOutcome | undefined;
  try {
    while (!outcome) {
      try {
        const response = await fetch(`${connection.base}/deployments/${deployment.id}/events`, {
          headers: { authorization: `Bearer ${connection.config.token}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
        failures = 0;
        for await (const raw of readEventStream(response)) {
          const event = parseEvent(raw);
          if (!event) continue;
          if (applyEvent(state, event)) view.event(event, state);
          if (state.ended) outcome = 'ended';
          else if (reached(state, options.until)) outcome = 'reached';
          if (outcome) break;
        }
      } catch (error) {
        if (timedOut) {
          outcome = 'timeout';
          break;
        }
        if (error instanceof CliError) throw error;
        failures += 1;
        if (failures >= maxFailures) throw unreachable(connection.config.url, error);
        await sleep(250 * 2 ** failures);
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
    view.close(state);
  }
  return { outcome, state };
}
