import { ansiPattern, formatDuration, paint, visibleLength, type Colour } from '../output.ts';
import type { LiveEvent, LiveState, Step } from './state.ts';

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const stepMark: Record<string, [string, Colour]> = {
  succeeded: ['✔', 'green'],
  failed: ['✖', 'red'],
  skipped: ['–', 'gray'],
  info: ['ℹ', 'blue'],
};

const statusColour: Record<string, Colour> = {
  succeeded: 'green',
  failed: 'red',
  rolled_back: 'red',
  aborted: 'yellow',
  awaiting_approval: 'yellow',
  paused: 'yellow',
  in_progress: 'cyan',
  pending: 'gray',
};

/** The few facts of a step worth one line: smoke results, weights, verdicts, monitor tallies, where traffic went. */
export function stepSummary(step: Step, color = false): string {
  const details = (step.details ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (Array.isArray(details.checks)) {
    for (const check of details.checks as { name?: string; passed?: boolean; reason?: string }[]) {
      parts.push(check.passed ? paint(color, 'green', `${check.name} ✔`) : paint(color, 'red', `${check.name} ✖${check.reason ? ` ${check.reason}` : ''}`));
    }
  } else if (typeof details.checks === 'number') {
    parts.push(`${details.checks} checks, ${typeof details.failures === 'number' ? details.failures : 0} failed`);
  }
  const weights = details.weights as Record<string, number> | undefined;
  if (weights && typeof weights === 'object') parts.push(`blue ${weights.blue ?? 0}% / green ${weights.green ?? 0}%`);
  if (typeof details.verdict === 'string') parts.push(`verdict ${paint(color, details.verdict === 'successful' ? 'green' : details.verdict === 'failed' ? 'red' : 'yellow', details.verdict)}`);
  if (typeof details.outcome === 'string') parts.push(details.outcome);
  if ('active' in details) parts.push(`active ${typeof details.active === 'string' ? details.active : 'none'}`);
  if (typeof details.to === 'string') parts.push(`→ ${details.to}`);
  if (step.message) parts.push(step.status === 'failed' ? paint(color, 'red', step.message) : step.message);
  return parts.join(', ');
}

function stepDuration(step: Step, now: number): string {
  if (step.duration_ms !== null) return formatDuration(step.duration_ms);
  if (step.status === 'started' && step.started_at) return formatDuration(now - Date.parse(step.started_at));
  return '';
}

/** The headline: service, version, environment, strategy, status (and why it ended). */
export function headline(state: LiveState, color: boolean): string {
  const { deployment: d } = state;
  const status = paint(color, statusColour[d.status] ?? 'gray', d.status);
  return `${paint(color, 'bold', d.service)} ${d.version} → ${d.environment} (${d.strategy})  ${status}${d.reason ? `: ${d.reason}` : ''}`;
}

/** The release as a tree of steps, the running one marked, for a terminal redrawn in place. */
export function renderTree(state: LiveState, options: { color: boolean; now: number; frame: number; columns: number }): string[] {
  const { color, now } = options;
  const steps = [...state.steps.values()];
  const lines = [headline(state, color)];
  steps.forEach((step, index) => {
    const branch = index === steps.length - 1 ? '└─' : '├─';
    const [mark, colour] = step.status === 'started' ? [spinner[options.frame % spinner.length] ?? '•', 'cyan' as Colour] : (stepMark[step.status] ?? ['•', 'gray']);
    const name = step.status === 'started' ? paint(color, 'bold', step.step) : step.step;
    const summary = stepSummary(step, color);
    const duration = stepDuration(step, now);
    lines.push(`${branch} ${paint(color, colour, mark)} ${name}${duration ? `  ${paint(color, 'gray', duration)}` : ''}${summary ? `  ${summary}` : ''}`);
  });
  if (steps.length === 0) lines.push(`└─ ${paint(color, 'gray', 'waiting for the first step…')}`);
  lines.push(`${paint(color, 'gray', 'Temporal:')} ${state.deployment.web_ui_url}`);
  return lines.map((text) => truncate(text, options.columns));
}

/** Cuts a line to the terminal's width so that redrawing never leaves a wrapped line behind. */
function truncate(text: string, columns: number): string {
  if (visibleLength(text) <= columns) return text;
  // Coloured lines: drop colour rather than cut inside an escape sequence.
  const plain = text.replace(ansiPattern, '');
  return `${plain.slice(0, Math.max(1, columns - 1))}…`;
}

/** One plain line per event, for logs and CI: no colour, no cursor movement. */
export function eventLine(event: LiveEvent, at: Date): string {
  const time = at.toISOString().slice(11, 19);
  if (event.type === 'step') {
    const { step } = event;
    const duration = step.duration_ms !== null ? ` ${formatDuration(step.duration_ms)}` : '';
    const summary = stepSummary(step);
    return `${time} step ${step.step} ${step.status}${duration}${summary ? ` (${summary})` : ''}`;
  }
  if (event.type === 'status') return `${time} status ${event.status}${event.reason ? `: ${event.reason}` : ''}`;
  return `${time} end ${event.deployment.status}${event.deployment.reason ? `: ${event.deployment.reason}` : ''}`;
}
