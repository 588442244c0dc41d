import { createInterface } from 'node:readline/promises';
import { CliError, exitCodes } from './exit-codes.ts';

/** Whether a person can answer: stdin and stderr (where the prompt goes) are terminals. */
export const canPrompt = () => process.stdin.isTTY === true && process.stderr.isTTY === true;

/** Asks a question on the terminal (prompt on stderr, so stdout stays clean for --output json). */
export async function ask(question: string): Promise<string> {
  if (!canPrompt()) throw new CliError('no terminal to ask on', exitCodes.usage);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** A secret typed on the terminal without echo, or the first line of stdin when it is not a terminal. */
export async function readSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0]?.trim() ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Echo nothing of what is typed (readline writes the keys through _writeToOutput).
  const muted = rl as unknown as { _writeToOutput(text: string): void };
  process.stderr.write(question);
  muted._writeToOutput = () => undefined;
  try {
    return (await rl.question('')).trim();
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
