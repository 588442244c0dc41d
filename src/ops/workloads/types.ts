import type { ResolvedBinding } from '../../bindings/policy.ts';
import type { LogStream } from '../../db/schema/index.ts';
import type { Workload, WorkloadType } from '../definition.ts';

/** What a workload runner gets for one attempt. */
export interface WorkloadContext {
  workspaceId: string;
  /** The workspace environment it runs for, where known: Kubernetes Jobs are labelled with it. */
  environment?: string;
  runId: string;
  /** The job's name, used to name what the workload creates (a Kubernetes Job, a dump file). */
  jobName: string;
  /** Temporal's attempt number, from 1. */
  attempt: number;
  /** Receives each output line as it comes; the caller stores and streams it. */
  onLine(stream: LogStream, line: string): void;
  /** Aborts when Temporal cancels the attempt or its time is up; runners stop their work then. */
  signal: AbortSignal;
  /** Tells Temporal the attempt is alive (runners call it while waiting on something slow). */
  heartbeat(): void;
  /** The binding the workload was checked against; it also grants what the workload uses (a database's URL). */
  binding?: ResolvedBinding;
}

/** How an attempt ended when it ran to the end (an exit code of 0 is success). */
export interface WorkloadResult {
  exitCode: number;
}

/** Runs one kind of workload; one runner per `type`, kept in a registry. */
export interface WorkloadRunner<T extends WorkloadType = WorkloadType> {
  /** The workload type it runs. */
  readonly type: T;
  /** Runs one attempt to its end; rejects with WorkloadError when it cannot run at all. */
  run(workload: Extract<Workload, { type: T }>, context: WorkloadContext): Promise<WorkloadResult>;
}

/** A workload that cannot run (bad definition, missing tool or configuration); not worth retrying. */
export class WorkloadError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
