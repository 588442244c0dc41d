// Builds the dashboard (web/ → web/dist) when it is missing or older than its sources; `npm run dev`, `npm run
// demo` and the browser tests call it, so a fresh clone never serves a stale or absent dashboard.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = path.join(root, 'web', 'dist', 'index.html');
const sources = [path.join(root, 'web', 'src'), path.join(root, 'web', 'index.html'), path.join(root, 'web', 'vite.config.ts'), path.join(root, 'src', 'api-client', 'schema.d.ts')];

function newest(file: string): number {
  const stats = statSync(file);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(file).map((entry) => newest(path.join(file, entry))));
}

/** True when it built. */
export function ensureDashboardBuilt(options: { quiet?: boolean } = {}): boolean {
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) return false;
  if (!options.quiet) console.error('building the dashboard (web/ → web/dist)...');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: root,
    stdio: options.quiet ? 'ignore' : 'inherit',
  });
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureDashboardBuilt();
