// Every workflow the worker registers; the bundler starts here.
export { dryRunWorkflow } from './dry-run.ts';
export { blueGreenWorkflow } from './blue-green.ts';
export { canaryWorkflow } from './canary.ts';
export { retireColorWorkflow } from './retire-color.ts';
export { opsJobWorkflow } from './ops-job.ts';
export { inspectServiceWorkflow } from './inspect-service.ts';
export { purgeWorkspaceWorkflow } from './purge-workspace.ts';
export { flagRampWorkflow } from './flag-ramp.ts';
