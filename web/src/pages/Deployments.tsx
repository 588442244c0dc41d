import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { Button, Form, Input, Label, Slider, SliderOutput, SliderThumb, SliderTrack, TextField } from 'react-aria-components';
import { api, ApiProblem, atLeast, formText, ok, roleIn, type Schemas } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { GuardedButton } from '../components/Guarded.tsx';
import { milliseconds, when } from '../format.ts';
import { useMe } from '../session.ts';

type Colour = 'blue' | 'green';
const other = (colour: Colour): Colour => (colour === 'blue' ? 'green' : 'blue');

/** /admin/deployments: every service of the workspace; the chosen one's colours, traffic and releases. */
export function DeploymentsPage() {
  const { service, environment } = useSearch({ from: '/signed-in/deployments' });
  const services = useQuery({ queryKey: ['services'], queryFn: () => ok(api.GET('/services')) });
  const items = services.data?.items ?? [];
  return (
    <main className="deployments">
      <nav className="services" aria-label="Services">
        <h2>Services</h2>
        {services.error && <p role="alert" className="problem">{services.error.message}</p>}
        {items.length === 0 && services.isSuccess && <p>No services yet: register one with `cutover services register`.</p>}
        <ul>
          {items.map((item) => (
            <li key={`${item.name}/${item.environment}`}>
              <Link
                to="/deployments"
                search={{ service: item.name, environment: item.environment }}
                aria-current={item.name === service && item.environment === environment ? 'page' : undefined}
              >
                {item.name} <span className="env">{item.environment}</span>
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {service && environment ? <ServicePanel key={`${service}/${environment}`} service={service} environment={environment} /> : <p className="hint">Choose a service.</p>}
    </main>
  );
}

function ServicePanel({ service, environment }: { service: string; environment: string }) {
  const { data: me } = useMe();
  const role = me ? roleIn(me, environment) : 'viewer';
  const canOperate = atLeast(role, 'operator');
  const canRelease = atLeast(role, 'admin');
  const notOperator = `needs the operator role in ${environment}; you are ${role}`;
  const path = { path: { name: service } };
  // Live: the traffic split pushed by the API over SSE (it reads the provider every 250 ms and sends changes),
  // the colours every 2 s (each read asks the worker to inspect the target), the releases every 5 s.
  const colours = useQuery({
    queryKey: ['colours', service, environment],
    queryFn: () => ok(api.GET('/services/{name}/environments', { params: { ...path, query: { environment } } })),
    refetchInterval: 2_000,
  });
  const traffic = useQuery({
    queryKey: ['traffic', service, environment],
    queryFn: () => ok(api.GET('/services/{name}/traffic', { params: { ...path, query: { environment } } })),
  });
  const queryClient = useQueryClient();
  useEffect(() => {
    const source = new EventSource(`/api/v1/services/${encodeURIComponent(service)}/traffic/events?environment=${encodeURIComponent(environment)}`);
    source.addEventListener('weights', (event) => {
      const weights = JSON.parse((event as MessageEvent<string>).data) as { blue: number; green: number } | null;
      queryClient.setQueryData<Schemas['Traffic']>(['traffic', service, environment], (known) => (known ? { ...known, weights } : known));
    });
    return () => source.close();
  }, [service, environment, queryClient]);
  const history = useQuery({
    queryKey: ['history', service, environment],
    queryFn: () => ok(api.GET('/services/{name}/history', { params: { ...path, query: { environment, limit: 20 } } })),
    refetchInterval: 5_000,
  });
  const refresh = () => queryClient.invalidateQueries({ predicate: (query) => ['colours', 'traffic', 'history'].includes(String(query.queryKey[0])) });
  const [notice, setNotice] = useState<string>();
  const [switching, setSwitching] = useState<Colour>();
  const [rollingBack, setRollingBack] = useState(false);

  // Each colour's share: the provider's split when it reports one (fresher), else the colours' read.
  const weights = traffic.data?.weights;
  const shareOf = (colour: { name: Colour; traffic_pct: number }) => (weights ? weights[colour.name] : colour.traffic_pct);
  // The colour that serves (most of) the traffic; a rollback goes to the other one.
  const active = [...(colours.data ?? [])].sort((a, b) => shareOf(b) - shareOf(a)).find((colour) => shareOf(colour) > 0)?.name;
  const standby = active ? colours.data?.find((colour) => colour.name === other(active)) : undefined;

  return (
    <section className="panel" aria-label={`${service} in ${environment}`}>
      <h1>
        {service} <span className="env">{environment}</span>
      </h1>
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {colours.error && <p role="alert" className="problem">{colours.error.message}</p>}
      <div className="colours">
        {(colours.data ?? []).map((colour) => (
          <article key={colour.name} className={`card ${colour.name} ${colour.status}`} aria-label={`${colour.name} colour`}>
            <h2>{colour.name}</h2>
            <dl>
              <dt>Version</dt>
              <dd data-testid={`${colour.name}-version`}>{colour.version ?? '—'}</dd>
              <dt>Status</dt>
              <dd>{colour.status.replace('_', ' ')}</dd>
              <dt>Health</dt>
              <dd>
                {colour.health.ready}/{colour.health.pods} ready{colour.health.restarts > 0 ? `, ${colour.health.restarts} restarts` : ''}
              </dd>
              <dt>Traffic</dt>
              <dd className="traffic" data-testid={`${colour.name}-traffic`}>
                {shareOf(colour)}%
              </dd>
            </dl>
            {shareOf(colour) < 100 && colour.version && (
              <GuardedButton allowed={canOperate} reason={notOperator} onPress={() => setSwitching(colour.name)} className="primary">
                Switch 100% to {colour.name}
              </GuardedButton>
            )}
          </article>
        ))}
      </div>

      {traffic.data?.capabilities.partialWeights && traffic.data.weights && (
        <TrafficSlider
          key={`${traffic.data.weights.green}`}
          green={traffic.data.weights.green}
          disabledReason={canOperate ? undefined : notOperator}
          onCommit={async (green) => {
            try {
              await ok(api.POST('/services/{name}/traffic', { params: path, body: { environment, blue: 100 - green, green } }));
              setNotice(`traffic now blue ${100 - green}% / green ${green}%`);
            } catch (error) {
              setNotice(error instanceof Error ? error.message : String(error));
            }
            await refresh();
          }}
        />
      )}

      <div className="toolbar">
        <GuardedButton allowed={canOperate && Boolean(standby?.version)} reason={canOperate ? 'no warm colour to go back to' : notOperator} onPress={() => setRollingBack(true)}>
          Roll back
        </GuardedButton>
      </div>

      {canRelease ? <StartRelease service={service} environment={environment} /> : <p className="reason">Starting a release needs the admin role in {environment}; you are {role}.</p>}

      <h2>Releases</h2>
      <ol className="timeline" aria-label="Releases">
        {(history.data?.items ?? []).map((item) => (
          <li key={item.deployment_id} className={`status-${item.status}`}>
            <Link to="/deployments/$id" params={{ id: item.deployment_id }}>
              {item.version}
            </Link>{' '}
            <span className="badge">{item.status.replace('_', ' ')}</span> {item.strategy} · {when(item.started_at)} · {milliseconds(item.duration_ms)}
          </li>
        ))}
      </ol>

      <ConfirmDialog
        isOpen={switching !== undefined}
        onOpenChange={(open) => !open && setSwitching(undefined)}
        title={`Switch all traffic to ${switching ?? ''}`}
        expected={service}
        action="switch"
        onConfirm={async (typed) => {
          const answer = await ok(api.POST('/services/{name}/switch', { params: path, body: { environment, to: switching!, confirm: typed } }));
          setNotice(answer.switched ? `switched: 100% of traffic on ${answer.to}` : `nothing to do: ${answer.reason ?? 'traffic is there already'}`);
          await refresh();
        }}
      >
        <p>Every request to {service} in {environment} goes to {switching} at once.</p>
      </ConfirmDialog>
      <ConfirmDialog
        isOpen={rollingBack}
        onOpenChange={setRollingBack}
        title={`Roll ${service} back`}
        expected={service}
        action="roll back"
        onConfirm={async () => {
          const answer = await ok(api.POST('/services/{name}/rollback', { params: path, body: { environment } }));
          const restored = colours.data?.find((colour) => colour.name === answer.to)?.version;
          setNotice(`rolled back: traffic on ${answer.to}${restored ? `, running ${restored}` : ''}`);
          await refresh();
        }}
      >
        <p>
          Traffic goes back to <strong>{standby?.name}</strong>, running <strong>{standby?.version ?? 'nothing'}</strong>.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** Green's share, 0–100: the handle moves freely, the weights are sent when it is let go (or a key is released). */
function TrafficSlider(props: { green: number; disabledReason?: string; onCommit: (green: number) => Promise<void> }) {
  const [green, setGreen] = useState(props.green);
  useEffect(() => setGreen(props.green), [props.green]);
  return (
    <div className="slider-row">
      <Slider
        value={green}
        onChange={setGreen}
        onChangeEnd={(value) => void props.onCommit(value)}
        minValue={0}
        maxValue={100}
        step={5}
        isDisabled={Boolean(props.disabledReason)}
        className="slider"
      >
        <Label>Traffic to green</Label>
        <SliderOutput>{({ state }) => `blue ${100 - state.getThumbValue(0)}% / green ${state.getThumbValue(0)}%`}</SliderOutput>
        <SliderTrack className="track">
          <SliderThumb className="thumb" aria-label="Traffic to green" />
        </SliderTrack>
      </Slider>
      {props.disabledReason && <span className="reason">{props.disabledReason}</span>}
    </div>
  );
}

function StartRelease({ service, environment }: { service: string; environment: string }) {
  const navigate = useNavigate();
  const start = useMutation({
    mutationFn: (input: { version: string; image?: string }) =>
      ok(api.POST('/deployments', { body: { service, environment, version: input.version, ...(input.image ? { image: input.image } : {}), strategy: 'blue-green', options: {} } })),
    onSuccess: (deployment: Schemas['Deployment']) => navigate({ to: '/deployments/$id', params: { id: deployment.id } }),
  });
  return (
    <Form
      className="start-release"
      aria-label="Start a release"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        start.mutate({ version: formText(form, 'version'), image: formText(form, 'image') || undefined });
      }}
    >
      <TextField name="version" isRequired>
        <Label>Version</Label>
        <Input placeholder="1.2.0" />
      </TextField>
      <TextField name="image">
        <Label>Image (default: the definition's)</Label>
        <Input />
      </TextField>
      <Button type="submit" className="primary" isDisabled={start.isPending}>
        Release
      </Button>
      {start.error && (
        <p role="alert" className="problem">
          {start.error instanceof ApiProblem && start.error.status === 409 ? `${start.error.message} — open it from the list below` : start.error.message}
        </p>
      )}
    </Form>
  );
}
