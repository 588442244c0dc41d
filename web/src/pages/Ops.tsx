import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Button, Input, Label, TextField } from 'react-aria-components';
import { api, ApiProblem, atLeast, ok, roleIn, type Schemas } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { GuardedButton } from '../components/Guarded.tsx';
import { LogViewer } from '../components/LogViewer.tsx';
import { milliseconds, when } from '../format.ts';
import { useMe } from '../session.ts';

type Job = Schemas['OpsJobSummary'];

/** /admin/ops: the workspace's operations jobs; the chosen one's schedule, runs and live log. */
export function OpsPage() {
  const { job: jobId, run: runId } = useSearch({ from: '/signed-in/ops' });
  const jobs = useQuery({ queryKey: ['ops-jobs'], queryFn: () => ok(api.GET('/ops/jobs')), refetchInterval: 3_000 });
  const selected = jobs.data?.items.find((job) => job.id === jobId);
  return (
    <main className="ops">
      <h1>Operations jobs</h1>
      {jobs.error && <p role="alert" className="problem">{jobs.error.message}</p>}
      <table className="jobs">
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Environment</th>
            <th scope="col">Schedule</th>
            <th scope="col">Status</th>
            <th scope="col">Next run</th>
            <th scope="col">Last run</th>
          </tr>
        </thead>
        <tbody>
          {(jobs.data?.items ?? []).map((job) => (
            <tr key={job.id} aria-current={job.id === jobId ? 'true' : undefined}>
              <td>
                <Link to="/ops" search={{ job: job.id }}>
                  {job.name}
                </Link>
              </td>
              <td>{job.environment}</td>
              <td>
                <code>{job.schedule.cron}</code> {job.schedule.time_zone ?? 'UTC'}
              </td>
              <td>
                <span className={`badge status-${job.status}`}>{job.status}</span>
                {job.status === 'running' && job.elapsed_ms !== null ? ` for ${milliseconds(job.elapsed_ms)}` : ''}
              </td>
              <td>{when(job.next_run)}</td>
              <td>{job.last_run ? `${job.last_run.status} · ${milliseconds(job.last_run.duration_ms)}${job.last_run.exit_code !== null ? ` · exit ${job.last_run.exit_code}` : ''}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.isSuccess && jobs.data.items.length === 0 && <p>No jobs yet: create one with POST /api/v1/ops/jobs.</p>}
      {selected && <JobPanel key={selected.id} job={selected} runId={runId} />}
    </main>
  );
}

function JobPanel({ job, runId }: { job: Job; runId?: string }) {
  const { data: me } = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const role = me ? roleIn(me, job.environment) : 'viewer';
  const canOperate = atLeast(role, 'operator');
  const reason = `needs the operator role in ${job.environment}; you are ${role}`;
  const runs = useQuery({
    queryKey: ['ops-runs', job.id],
    queryFn: () => ok(api.GET('/ops/jobs/{id}/runs', { params: { path: { id: job.id }, query: { limit: 20 } } })),
    refetchInterval: 3_000,
  });
  const [triggering, setTriggering] = useState(false);
  const [notice, setNotice] = useState<string>();
  const shownRun = runId ?? runs.data?.items[0]?.id;

  return (
    <section className="panel" aria-label={`Job ${job.name}`}>
      <h2>{job.name}</h2>
      {job.description && <p>{job.description}</p>}
      {notice && <p role="alert" className="notice">{notice}</p>}
      <div className="toolbar">
        <GuardedButton allowed={canOperate} reason={reason} onPress={() => setTriggering(true)} className="primary">
          Run now
        </GuardedButton>
      </div>
      <CronEditor job={job} allowed={canOperate} reason={reason} />
      <h3>Runs</h3>
      <table className="runs">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Exit code</th>
          </tr>
        </thead>
        <tbody>
          {(runs.data?.items ?? []).flatMap((run) => (run ? [run] : [])).map((run) => (
            <tr key={run.id} aria-current={run.id === shownRun ? 'true' : undefined}>
              <td>
                <Link to="/ops" search={{ job: job.id, run: run.id }}>
                  {run.id.slice(0, 8)}
                </Link>
              </td>
              <td>
                <span className={`badge status-${run.status}`}>{run.status}</span>
              </td>
              <td>{run.trigger}</td>
              <td>{when(run.started_at)}</td>
              <td>{milliseconds(run.duration_ms)}</td>
              <td>{run.exit_code ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shownRun && <LogViewer key={shownRun} jobId={job.id} runId={shownRun} />}
      <ConfirmDialog
        isOpen={triggering}
        onOpenChange={setTriggering}
        title={`Run ${job.name} now`}
        expected={job.name}
        action="run"
        onConfirm={async () => {
          try {
            const run = await ok(api.POST('/ops/jobs/{id}/trigger', { params: { path: { id: job.id } }, body: { confirm: true } }));
            setNotice(`started run ${run.run_id}: its log follows below`);
            await queryClient.invalidateQueries({ queryKey: ['ops-runs', job.id] });
            await navigate({ to: '/ops', search: { job: job.id, run: run.run_id } });
          } catch (error) {
            if (error instanceof ApiProblem && error.status === 423) {
              throw new Error('a run of this job is still going and its overlap policy allows only one: wait for it to end, or change the policy');
            }
            throw error;
          }
        }}
      >
        <p>Starts a run outside the schedule, with the job&apos;s workload and limits.</p>
      </ConfirmDialog>
    </section>
  );
}

/** The schedule as you type: the server checks it and previews the next runs (what Temporal will do). */
function CronEditor({ job, allowed, reason }: { job: Job; allowed: boolean; reason: string }) {
  const [cron, setCron] = useState(job.schedule.cron);
  const [zone, setZone] = useState(job.schedule.time_zone ?? 'UTC');
  const [debounced, setDebounced] = useState({ cron, zone });
  const [saved, setSaved] = useState<string>();
  const queryClient = useQueryClient();
  useEffect(() => {
    const timer = setTimeout(() => setDebounced({ cron, zone }), 250);
    return () => clearTimeout(timer);
  }, [cron, zone]);
  const preview = useQuery({
    queryKey: ['cron-preview', debounced.cron, debounced.zone],
    queryFn: () => ok(api.GET('/ops/jobs/schedule-preview', { params: { query: { cron: debounced.cron, time_zone: debounced.zone } } })),
    enabled: debounced.cron.trim().length > 0,
    retry: false,
  });
  const problem = preview.error instanceof ApiProblem ? ((preview.error.details as Array<{ message: string }> | undefined)?.[0]?.message ?? preview.error.message) : undefined;
  const changed = cron !== job.schedule.cron || zone !== (job.schedule.time_zone ?? 'UTC');
  return (
    <form
      className="cron"
      aria-label="Schedule"
      onSubmit={(event) => {
        event.preventDefault();
        void (async () => {
          try {
            await ok(api.PATCH('/ops/jobs/{id}', { params: { path: { id: job.id } }, body: { schedule: { cron, time_zone: zone } } }));
            setSaved('schedule saved');
            await queryClient.invalidateQueries({ queryKey: ['ops-jobs'] });
          } catch (error) {
            setSaved(error instanceof Error ? error.message : String(error));
          }
        })();
      }}
    >
      <TextField value={cron} onChange={setCron} isInvalid={Boolean(problem)} isDisabled={!allowed}>
        <Label>Cron</Label>
        <Input />
      </TextField>
      <TextField value={zone} onChange={setZone} isDisabled={!allowed}>
        <Label>Time zone</Label>
        <Input />
      </TextField>
      <div className="preview" aria-live="polite">
        {problem ? (
          <p className="problem">{problem}</p>
        ) : (
          <>
            <strong>Next runs:</strong>
            <ul aria-label="Next runs">{(preview.data?.next_runs ?? []).map((run) => <li key={run}>{when(run)}</li>)}</ul>
          </>
        )}
      </div>
      {allowed ? (
        <Button type="submit" isDisabled={!changed || Boolean(problem)}>
          Save schedule
        </Button>
      ) : (
        <span className="reason">{reason}</span>
      )}
      {saved && <span role="status">{saved}</span>}
    </form>
  );
}
