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

/**
 * Kills the process group a dead supervisor left running (it still holds the colour's port), but only when the
 * pid still belongs to the program we started: pids are reused.
 */
export function killLeftover(pid: number | null, command: string): void {
  if (!pid) return;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return;
  }
  if (!cmdline.includes(command)) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Gone meanwhile.
  }
}
