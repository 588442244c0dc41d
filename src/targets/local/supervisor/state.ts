import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Color } from '../../../workflows/lib/colors.ts';
import type { ColorSpec } from './color-process.ts';
import type { Routes } from './proxy.ts';

/** One service as `state.json` keeps it: enough to bring it back after a restart of the supervisor. */
export interface SavedService {
  port: number;
  previewPort: number;
  host: string;
  routes: Routes;
  colors: Partial<Record<Color, { spec: ColorSpec; pid: number | null; stopped: boolean }>>;
}

export function loadState(file: string): Record<string, SavedService> {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, SavedService>;
}

/** Written to a temporary file and renamed, so a crash mid-write never leaves half a state. */
export function saveState(file: string, services: Record<string, SavedService>): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(services, null, 2));
  renameSync(temporary, file);
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Kills the process group a dead supervisor left running (it still holds the colour's port), but only when the
 * pid still runs exactly the command line we started: pids are reused. Waits (up to 3 s) until it is gone.
 */
export async function killLeftover(pid: number | null, command: string, args: string[]): Promise<void> {
  if (!pid || commandLine(pid) !== [command, ...args].join(' ')) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return;
  }
  const deadline = Date.now() + 3_000;
  while (commandLine(pid) !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}
