// The `cutover` command: bin/cutover.mjs runs this file through tsx.
import { runCli } from './program.ts';

process.exitCode = await runCli(process.argv);
