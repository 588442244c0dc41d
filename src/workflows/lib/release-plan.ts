/** One step a release would take, as a dry run records it. */
export interface PlannedStep {
  step: string;
  description: string;
}

const blueGreenPlan: PlannedStep[] = [
  { step: 'resolve-active-color', description: 'read the active colour from the stable Service' },
  { step: 'pre-switch-hooks', description: 'run the database backup and migration hooks' },
  { step: 'deploy-standby', description: 'set the new image on the standby colour and wait for its rollout' },
  { step: 'smoke-tests', description: 'run the smoke checks against the preview endpoint' },
  { step: 'approval', description: 'wait for approval (production only)' },
  { step: 'switch-traffic', description: 'point the stable Service at the standby colour' },
  { step: 'monitor', description: 'watch health and roll back on repeated failures' },
  { step: 'retire-old-color', description: 'keep the old colour warm, then scale it to zero' },
];

/** The steps a blue-green release of this service would take; a dry run records them without acting. */
export function planRelease(input: { service: string; environment: string; version: string }): PlannedStep[] {
  return blueGreenPlan.map((planned) => ({
    step: planned.step,
    description: `${planned.description} (${input.service} ${input.version} in ${input.environment})`,
  }));
}
