// Runs before `npm run dev`, `npm test` and `npm run demo` (as their pre-script): installs the npm packages
// when node_modules is missing or older than package-lock.json, so a fresh clone needs no separate step.
// Plain Node with no dependencies, since it runs before any are installed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lockfile = path.join(root, 'package-lock.json');
const stamp = path.join(root, 'node_modules', '.cutover-lock-hash');
const wanted = createHash('sha256').update(readFileSync(lockfile)).digest('hex');
const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';

if (installed !== wanted) {
  // `npm install`, not `npm ci`: the registry this project is built against lacks some other platforms'
  // optional packages (e.g. @swc/core-darwin-arm64), which the lockfile therefore cannot list, and `npm ci`
  // refuses such a lockfile. `npm install` installs exactly what the lockfile pins and leaves it unchanged.
  console.error('installing npm packages...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, wanted + '\n');
}
