export * from './workspaces.ts';
export * from './services.ts';
export * from './deployments.ts';
export * from './audit.ts';
export * from './ops-jobs.ts';
export * from './bindings.ts';
export * from './features.ts';
