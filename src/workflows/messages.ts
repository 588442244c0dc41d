import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** What a running release reports about itself. */
export interface ReleaseState {
  /** The step it is on, or "done". */
  step: string;
  /** Its deployment status as recorded in Postgres. */
  status: string;
  /** The colour serving traffic before this release (null on a first release). */
  activeColor?: string | null;
  /** The colour this release deploys to. */
  standbyColor?: string;
  /** The colour the stable Service selects now. */
  trafficColor?: string | null;
  /** Health checks in the monitor window: checks, failures, consecutive failures. */
  health?: { checks: number; failures: number; consecutiveFailures: number; lastReason?: string };
  /** Why it ended as it did, when it did not succeed. */
  reason?: string;
  /** Canary: the step it is on (0-based) and how many there are. */
  stepIndex?: number;
  stepCount?: number;
  /** Canary: the traffic split in force. */
  weights?: Record<string, number>;
  /** Canary: each analysis step's verdict and measurements. */
  analyses?: Array<{ step: string; verdict: string; dryRun: boolean; metrics: Record<string, unknown> }>;
}

/** An approver's decision on a production release. */
export interface ApprovalDecision {
  /** Who decided (a person, not a token). */
  approver: string;
  /** Must equal the service name, typed out. */
  confirm: string;
  comment?: string;
}

/** A manual control sent by an operator. */
export interface ControlRequest {
  /** Who asked, for the record. */
  by: string;
  reason?: string;
  /** Promote of a canary: skip every remaining step and send it all traffic. */
  full?: boolean;
}

export const stateQuery = defineQuery<ReleaseState>('state');
export const approveUpdate = defineUpdate<ReleaseState, [ApprovalDecision]>('approve');
export const rejectUpdate = defineUpdate<ReleaseState, [ApprovalDecision]>('reject');
/** Before the switch: drop the standby. After it: roll back. */
export const abortSignal = defineSignal<[ControlRequest]>('abort');
/** Switch back to the old colour now (during the monitor window). */
export const rollbackSignal = defineSignal<[ControlRequest]>('rollback');
/** Blue-green: end the monitor window early. Canary: go on to the next step (with `full`, to 100 %). */
export const promoteSignal = defineSignal<[ControlRequest]>('promote');
