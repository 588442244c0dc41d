// Every workflow the worker registers; the bundler starts here.
export { dryRunWorkflow } from './dry-run.ts';
