import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Button } from 'react-aria-components';
import { api, atLeast, ok, roleIn, type Schemas } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { GuardedButton } from '../components/Guarded.tsx';
import { duration, when } from '../format.ts';
import { useMe } from '../session.ts';

type Release = Schemas['Deployment'] & { steps: Schemas['DeploymentStep'][] };
const running = new Set(['pending', 'in_progress', 'awaiting_approval', 'paused']);

/**
 * The release's steps arrive over its event stream (SSE, GET /deployments/{id}/events) into the query cache, so
 * the timeline moves as the workflow does; the stream ends with the release, and the page reads it once more.
 */
function useLiveRelease(id: string) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ['deployment', id], queryFn: () => ok(api.GET('/deployments/{id}', { params: { path: { id } } })) as Promise<Release> });
  const live = query.data ? running.has(query.data.status) : false;
  useEffect(() => {
    if (!live) return;
    const source = new EventSource(`/api/v1/deployments/${id}/events`);
    const update = (change: (release: Release) => Release) => queryClient.setQueryData<Release>(['deployment', id], (release) => (release ? change(release) : release));
    source.addEventListener('step', (event) => {
      const step = JSON.parse((event as MessageEvent<string>).data) as Schemas['DeploymentStep'];
      update((release) => {
        const steps = release.steps.filter((known) => known.step !== step.step);
        return { ...release, steps: [...steps, step].sort((a, b) => (a.started_at ?? '').localeCompare(b.started_at ?? '')) };
      });
    });
    source.addEventListener('status', (event) => {
      const { status, reason } = JSON.parse((event as MessageEvent<string>).data) as Pick<Release, 'status' | 'reason'>;
      update((release) => ({ ...release, status, reason }));
    });
    source.addEventListener('end', () => {
      source.close();
      void queryClient.invalidateQueries({ queryKey: ['deployment', id] });
    });
    return () => source.close();
  }, [id, live, queryClient]);
  return query;
}

export function ReleasePage() {
  const { id } = useParams({ from: '/signed-in/deployments/$id' });
  const { data: me } = useMe();
  const release = useLiveRelease(id);
  const [deciding, setDeciding] = useState<'approve' | 'reject'>();
  const [notice, setNotice] = useState<string>();
  if (release.error) return <p role="alert" className="problem">{release.error.message}</p>;
  if (!release.data || !me) return <p>Loading…</p>;
  const deployment = release.data;
  const role = roleIn(me, deployment.environment);
  const canOperate = atLeast(role, 'operator');
  const reason = `needs the operator role in ${deployment.environment}; you are ${role}`;
  const control = async (action: 'abort' | 'promote' | 'rollback') => {
    try {
      const path = { params: { path: { id } }, body: {} };
      if (action === 'abort') await ok(api.POST('/deployments/{id}/abort', path));
      else if (action === 'promote') await ok(api.POST('/deployments/{id}/promote', path));
      else await ok(api.POST('/deployments/{id}/rollback', path));
      setNotice(`${action} sent`);
    } catch (error) {
      setNotice(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <main className="release">
      <p>
        <Link to="/deployments" search={{ service: deployment.service, environment: deployment.environment }}>
          ← {deployment.service} in {deployment.environment}
        </Link>
      </p>
      <h1>
        {deployment.service} {deployment.version} <span className={`badge status-${deployment.status}`} data-testid="release-status">{deployment.status.replace('_', ' ')}</span>
      </h1>
      <p>
        {deployment.strategy} · started {when(deployment.started_at)} by {deployment.created_by} · {duration(deployment.started_at, deployment.finished_at)}
        {deployment.reason ? ` · ${deployment.reason}` : ''} ·{' '}
        <a href={deployment.web_ui_url} target="_blank" rel="noreferrer">
          run in the Temporal Web UI
        </a>
      </p>
      {notice && <p role="status" className="notice">{notice}</p>}
      {running.has(deployment.status) && (
        <div className="toolbar">
          {deployment.status === 'awaiting_approval' && (
            <>
              <GuardedButton allowed={canOperate} reason={reason} onPress={() => setDeciding('approve')} className="primary">
                Approve
              </GuardedButton>
              <GuardedButton allowed={canOperate} reason={reason} onPress={() => setDeciding('reject')} className="danger">
                Reject
              </GuardedButton>
            </>
          )}
          <GuardedButton allowed={canOperate} reason={reason} onPress={() => void control('promote')}>
            Promote
          </GuardedButton>
          <GuardedButton allowed={canOperate} reason={reason} onPress={() => void control('abort')} className="danger">
            Abort
          </GuardedButton>
          <GuardedButton allowed={canOperate} reason={reason} onPress={() => void control('rollback')}>
            Roll back
          </GuardedButton>
        </div>
      )}
      <ol className="steps" aria-label="Steps">
        {deployment.steps.map((step) => (
          <li key={step.step} className={`step status-${step.status}`}>
            <strong>{step.step}</strong> <span className="badge">{step.status}</span> {step.duration_ms !== null && step.duration_ms !== undefined ? `${step.duration_ms} ms` : ''}
            {step.message && <div className="message">{step.message}</div>}
            <StepDetails details={step.details} />
          </li>
        ))}
      </ol>
      <ConfirmDialog
        isOpen={deciding !== undefined}
        onOpenChange={(open) => !open && setDeciding(undefined)}
        title={`${deciding === 'reject' ? 'Reject' : 'Approve'} ${deployment.service} ${deployment.version} in ${deployment.environment}`}
        expected={deployment.service}
        action={deciding ?? 'approve'}
        withComment
        onConfirm={async (typed, comment) => {
          const body = { approver: me.user?.email ?? me.actor, confirm: typed, ...(comment ? { comment } : {}) };
          if (deciding === 'reject') await ok(api.POST('/deployments/{id}/reject', { params: { path: { id } }, body }));
          else await ok(api.POST('/deployments/{id}/approve', { params: { path: { id } }, body }));
          setNotice(`${deciding === 'reject' ? 'rejected' : 'approved'} by ${body.approver}`);
        }}
      >
        <p>The release {deciding === 'reject' ? 'ends before any traffic moves' : 'goes on to switch traffic'}.</p>
      </ConfirmDialog>
      <Button className="sr-only" onPress={() => void release.refetch()}>
        Refresh
      </Button>
    </main>
  );
}

/** Smoke checks, analysis measurements and monitor results, as a small table when the step has them. */
function StepDetails({ details }: { details: Record<string, unknown> | null }) {
  if (!details) return null;
  const checks = Array.isArray(details.checks) ? (details.checks as Array<{ name: string; passed: boolean; status?: number; durationMs?: number }>) : undefined;
  if (checks) {
    return (
      <ul className="checks">
        {checks.map((check) => (
          <li key={check.name} className={check.passed ? 'passed' : 'failed'}>
            {check.passed ? '✔' : '✖'} {check.name} {check.status ? `(${check.status})` : ''} {check.durationMs !== undefined ? `${check.durationMs} ms` : ''}
          </li>
        ))}
      </ul>
    );
  }
  return <code className="details">{JSON.stringify(details)}</code>;
}
