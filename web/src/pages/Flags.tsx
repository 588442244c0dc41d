import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Input, Label, TextField } from 'react-aria-components';
import { api, ok, type Schemas } from '../api.ts';
import { when } from '../format.ts';

type Feature = Schemas['Feature'];
type Stats = Schemas['FeatureStats'];
type Ramp = Schemas['FlagRamp'];

const percent = (share: number | null | undefined, digits = 1) => (share === null || share === undefined ? '—' : `${(share * 100).toFixed(digits)}%`);

/** A horizontal bar of `pct` (0–100), with the number beside it for those who read rather than look. */
function Bar({ pct, label, tone = 'accent', text }: { pct: number; label: string; tone?: 'accent' | 'green' | 'danger'; text?: string }) {
  return (
    <span className="bar-cell">
      <span className="bar" role="img" aria-label={`${label}: ${pct.toFixed(0)}%`}>
        <span className={`bar-fill tone-${tone}`} style={{ width: `${Math.max(0, Math.min(100, pct))}%` }} />
      </span>
      <span className="bar-value">{text ?? `${pct.toFixed(0)}%`}</span>
    </span>
  );
}

/** /admin/flags: the workspace's flags with their rollout; the chosen one's variants, A/B results and ramps. */
export function FlagsPage() {
  const { flag: flagId, metric } = useSearch({ from: '/signed-in/flags' });
  const flags = useQuery({ queryKey: ['features'], queryFn: () => ok(api.GET('/features')), refetchInterval: 5_000 });
  const selected = flags.data?.items.find((flag) => flag.id === flagId);
  return (
    <main className="flags">
      <h1>Feature flags</h1>
      {flags.error && <p role="alert" className="problem">{flags.error.message}</p>}
      <table className="flag-list">
        <thead>
          <tr>
            <th scope="col">Flag</th>
            <th scope="col">Environment</th>
            <th scope="col">State</th>
            <th scope="col">Rollout</th>
            <th scope="col">Version</th>
            <th scope="col">Changed</th>
          </tr>
        </thead>
        <tbody>
          {(flags.data?.items ?? []).map((flag) => (
            <tr key={flag.id} aria-current={flag.id === flagId ? 'true' : undefined}>
              <td>
                <Link to="/flags" search={{ flag: flag.id }}>
                  {flag.key}
                </Link>
                <span className="reason">{flag.name}</span>
              </td>
              <td>{flag.environment}</td>
              <td>
                <span className={`badge ${flag.enabled ? 'status-succeeded' : ''}`}>{flag.enabled ? 'on' : 'off'}</span>
              </td>
              <td>
                <Bar pct={flag.enabled ? flag.rollout_pct : 0} label={`${flag.key} rollout`} />
              </td>
              <td>v{flag.version}</td>
              <td>{when(flag.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flags.isSuccess && flags.data.items.length === 0 && <p>No flags yet: create one with POST /api/v1/features.</p>}
      {selected && <FlagPanel key={selected.id} flag={selected} metric={metric} />}
    </main>
  );
}

function FlagPanel({ flag, metric }: { flag: Feature; metric?: string }) {
  const totalWeight = flag.variants.reduce((sum, variant) => sum + variant.weight, 0);
  return (
    <section className="panel" aria-labelledby="flag-title">
      <h2 id="flag-title">
        {flag.key} <span className="env">{flag.environment}</span>
      </h2>
      {flag.description && <p>{flag.description}</p>}
      <h3>Variants</h3>
      <table>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Value</th>
            <th scope="col">Share of the split</th>
          </tr>
        </thead>
        <tbody>
          {flag.variants.map((variant) => (
            <tr key={variant.key}>
              <td>
                {variant.key}
                {variant.key === flag.default_variant && <span className="reason">default</span>}
              </td>
              <td>
                <code>{JSON.stringify(variant.value)}</code>
              </td>
              <td>
                <Bar pct={totalWeight > 0 ? (variant.weight / totalWeight) * 100 : 0} label={`${variant.key} weight`} tone="green" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="reason">
        {flag.rules.length} targeting rule{flag.rules.length === 1 ? '' : 's'} · stickiness <code>{flag.stickiness}</code> · {flag.rollout_pct}% of the rest get the split, the others{' '}
        {flag.default_variant}
      </p>
      <Results flag={flag} metric={metric} />
      <Ramps flag={flag} />
    </section>
  );
}

function Results({ flag, metric }: { flag: Feature; metric?: string }) {
  const navigate = useNavigate();
  const [typed, setTyped] = useState(metric ?? '');
  const stats = useQuery({
    queryKey: ['feature-stats', flag.id, metric],
    queryFn: () => ok(api.GET('/features/{id}/stats', { params: { path: { id: flag.id }, query: { metric: metric! } } })),
    enabled: Boolean(metric),
    refetchInterval: 10_000,
  });
  return (
    <>
      <h3>A/B results</h3>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void navigate({ to: '/flags', search: { flag: flag.id, ...(typed ? { metric: typed } : {}) } });
        }}
      >
        <TextField value={typed} onChange={setTyped}>
          <Label>Metric</Label>
          <Input placeholder="checkout_completed" />
        </TextField>
      </form>
      {stats.error && <p role="alert" className="problem">{stats.error.message}</p>}
      {stats.data && <StatsTable stats={stats.data} />}
    </>
  );
}

function StatsTable({ stats }: { stats: Stats }) {
  const best = Math.max(0.0001, ...stats.variants.map((variant) => variant.conversion_rate ?? 0));
  return (
    <>
      {!stats.metric_seen && (
        <p role="alert" className="problem">
          No conversion of {stats.metric} has been recorded in {stats.environment}: is the metric spelt as the app tracks it?
        </p>
      )}
      {stats.srm?.mismatch && (
        <p role="alert" className="problem">
          Sample ratio mismatch (p = {stats.srm.p_value.toExponential(1)}): the split did not serve the variants in their weights. Fix the cause before you read the results.
        </p>
      )}
      <table aria-label={`Results for ${stats.metric}`}>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Subjects</th>
            <th scope="col">Conversions</th>
            <th scope="col">Rate</th>
            <th scope="col">Lift (95% interval)</th>
            <th scope="col">Chance to beat {stats.control}</th>
          </tr>
        </thead>
        <tbody>
          {stats.variants.map((variant) => (
            <tr key={variant.key}>
              <td>
                {variant.key}
                {variant.key === stats.control && <span className="reason">control</span>}
              </td>
              <td>{variant.impressions}</td>
              <td>{variant.conversions}</td>
              <td>
                <Bar pct={((variant.conversion_rate ?? 0) / best) * 100} label={`${variant.key} conversion rate, against the best`} text={percent(variant.conversion_rate, 2)} />
              </td>
              <td>{variant.lift ? `${percent(variant.lift.relative)} (${percent(variant.lift.ci95.low)} to ${percent(variant.lift.ci95.high)})` : '—'}</td>
              <td>{variant.chance_to_beat_control === null ? '—' : percent(variant.chance_to_beat_control)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="reason">
        {stats.method}
        {stats.multiple_exposures > 0 ? ` ${stats.multiple_exposures} subjects were served more than one variant and are left out.` : ''}
        {stats.outside_experiment > 0 ? ` ${stats.outside_experiment} subjects served by a rule or the default are not in the experiment.` : ''}
      </p>
    </>
  );
}

function Ramps({ flag }: { flag: Feature }) {
  const ramps = useQuery({ queryKey: ['feature-ramps', flag.id], queryFn: () => ok(api.GET('/features/{id}/ramps', { params: { path: { id: flag.id } } })), refetchInterval: 3_000 });
  const items: Ramp[] = ramps.data?.items ?? [];
  return (
    <>
      <h3>Ramps</h3>
      {ramps.isSuccess && items.length === 0 && <p>No ramps: start one with POST /api/v1/features/{'{id}'}/ramps.</p>}
      <ol className="ramps">
        {items.map((ramp) => (
          <li key={ramp.id}>
            <span className={`badge status-${ramp.status}`}>{ramp.status}</span> at {ramp.current_pct}% · {when(ramp.created_at)} by {ramp.created_by} ·{' '}
            <a href={ramp.web_ui_url}>Temporal Web UI</a>
            {ramp.reason && <span className="reason">{ramp.reason}</span>}
            <ol className="ramp-steps" aria-label="Steps">
              {ramp.steps.map((step) => (
                <li key={step.name} className={`status-${step.outcome}`}>
                  {step.name}: {step.outcome}
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ol>
    </>
  );
}
