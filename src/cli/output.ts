/** How a command writes: plain text (coloured on a TTY) or JSON, to streams the tests can replace. */
export interface Output {
  /** `--output json`: machine-readable objects, one per line, nothing else on stdout. */
  json: boolean;
  /** stdout is a terminal: redraw in place and use colour (unless NO_COLOR). */
  tty: boolean;
  color: boolean;
  columns: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function createOutput(format: string | undefined, env: Record<string, string | undefined> = process.env): Output {
  const stdout = process.stdout;
  const tty = stdout.isTTY === true && env.TERM !== 'dumb';
  return {
    json: format === 'json',
    tty,
    color: tty && !env.NO_COLOR,
    columns: stdout.columns || 100,
    stdout,
    stderr: process.stderr,
  };
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof codes;

/** `text` in a colour when colour is on; as it is otherwise. */
export function paint(on: boolean, colour: Colour, text: string): string {
  return on ? `\u001b[${codes[colour]}m${text}\u001b[0m` : text;
}

/** Matches any ANSI escape sequence (CSI and the few others a terminal knows). */
// eslint-disable-next-line no-control-regex
export const ansiPattern = /\u001b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])/g;

export function visibleLength(text: string): number {
  return text.replace(ansiPattern, '').length;
}

export function line(output: Output, text = ''): void {
  output.stdout.write(`${text}\n`);
}

export function printJson(output: Output, value: unknown): void {
  output.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Columns padded to their widest cell; `—` for empty cells. */
export function formatTable(header: string[], rows: (string | number | null | undefined)[][]): string[] {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === '' ? '—' : String(cell))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** Prints `value` as JSON, or the table when the output is text. */
export function printList(output: Output, value: unknown, header: string[], rows: (string | number | null | undefined)[][]): void {
  if (output.json) return printJson(output, value);
  if (rows.length === 0) return line(output, '(none)');
  for (const text of formatTable(header, rows)) line(output, text);
}

/** 1234 → `1.2s`, 65000 → `1m05s`, 80 → `80ms`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
