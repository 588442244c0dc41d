import type { CliContext } from './context.ts';
import { exitCodeForStatus, exitCodes, type ExitCode } from './exit-codes.ts';
import { followDeployment } from './live/follow.ts';
import { isWaiting, type Deployment, type Until } from './live/state.ts';
import { formatDuration, line, printJson, type Output } from './output.ts';
import { getDeployment } from './resolve.ts';

/**
 * Follows a release live, then prints the outcome (a final JSON object with `--output json`) and says which
 * exit code it means: the release's own outcome, 0 at `--until`, 5 when `--timeout` passed first.
 */
export async function watchRelease(ctx: CliContext, output: Output, deployment: Deployment, options: { until: Until; timeoutMs?: number }): Promise<ExitCode> {
  const connection = ctx.connection();
  const { outcome, state } = await followDeployment(connection, output, deployment, options);
  // The whole deployment with its steps, as GET /deployments/{id} answers it.
  const final = await getDeployment(connection, deployment.id).catch(() => ({ ...state.deployment, steps: [...state.steps.values()] }));
  const code: ExitCode =
    outcome === 'timeout' ? exitCodes.timeout : outcome === 'reached' ? exitCodes.ok : (exitCodeForStatus(final.status) ?? exitCodes.ok);
  if (output.json) {
    printJson(output, { type: 'result', outcome: outcome === 'ended' ? final.status : outcome, exit_code: code, deployment: final });
    return code;
  }
  const took = final.started_at ? formatDuration((final.finished_at ? Date.parse(final.finished_at) : Date.now()) - Date.parse(final.started_at)) : '';
  if (outcome === 'timeout') {
    const hint = isWaiting(final.status) ? `; cutover ${final.status === 'paused' ? 'promote' : 'approve'} ${final.id}` : '';
    line(output, `timed out: ${final.service} ${final.version} is still ${final.status}${hint} (exit ${code})`);
  } else if (outcome === 'reached') {
    line(output, `${final.service} ${final.version} reached ${options.until}: ${final.status} (exit ${code})`);
  } else {
    line(output, `${final.service} ${final.version} ${final.status}${final.reason ? `: ${final.reason}` : ''}${took ? ` after ${took}` : ''} (exit ${code})`);
  }
  return code;
}
