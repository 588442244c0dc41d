import type { Database } from '../db/client.ts';
import { insertLogLines, type NewLogLine } from '../db/repositories/ops-job-runs.ts';
import type { LogStream } from '../db/schema/index.ts';
import type { Logger } from '../logger.ts';

/** Lines are written at least this often while a workload runs, so live tails see them within a moment. */
const flushEveryMs = 100;
/** A full batch is written at once. */
const batchSize = 500;

/**
 * Collects a run attempt's output lines and writes them to Postgres in small batches, in order.
 * Numbers lines per attempt (seq), so a batch written twice is stored once.
 */
export class LogSink {
  private pending: NewLogLine[] = [];
  private seq = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly target: { workspaceId: string; runId: string; attempt: number },
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  /** Lines taken so far. */
  get count(): number {
    return this.seq;
  }

  push(stream: LogStream, line: string): void {
    this.pending.push({ ...this.target, seq: this.seq++, stream, line, at: new Date() });
    if (this.pending.length >= batchSize) void this.flush();
  }

  /** Writes what has been collected; batches go out one after another, so the order holds. */
  flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        await insertLogLines(this.db, batch);
      } catch (error) {
        // Losing log lines must not fail the job itself (a backup that worked is still a backup).
        this.logger.warn({ err: error, runId: this.target.runId, lines: batch.length }, 'could not store log lines');
      }
    });
    return this.writing;
  }

  /** Stops the timer and writes the rest. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
