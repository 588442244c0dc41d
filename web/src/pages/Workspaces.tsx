import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { Button, Form, Input, Label, TextField } from 'react-aria-components';
import { api, ApiProblem, atLeast, formText, ok, type Role, type Schemas } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { GuardedButton } from '../components/Guarded.tsx';
import { when } from '../format.ts';
import { useMe } from '../session.ts';

const roles: Role[] = ['viewer', 'operator', 'admin', 'owner'];
const quotaFields = [
  ['api_calls_per_hour', 'API calls per hour'],
  ['api_calls_per_day', 'API calls per day'],
  ['storage_gb', 'Storage (GiB)'],
  ['concurrent_users', 'Concurrent users'],
  ['services', 'Services'],
  ['concurrent_releases', 'Concurrent releases'],
  ['ops_jobs', 'Ops jobs'],
  ['feature_flags', 'Feature flags'],
] as const;
type QuotaKey = (typeof quotaFields)[number][0];

/** /admin/workspaces: workspaces with their people and usage; create (platform admins), members, quotas, delete. */
export function WorkspacesPage() {
  const { id } = useSearch({ from: '/signed-in/workspaces' });
  const { data: me } = useMe();
  const workspaces = useQuery({ queryKey: ['workspaces'], queryFn: () => ok(api.GET('/workspaces')) });
  const platformAdmin = me?.user?.platform_admin ?? false;
  const selected = workspaces.data?.items.find((workspace) => workspace.id === id);
  // Said here, not in the workspace's panel: a deleted workspace leaves the list, and its panel with it.
  const [notice, setNotice] = useState<string>();
  return (
    <main className="ops">
      <h1>Workspaces</h1>
      {notice && (
        <p role="alert" className="notice" data-testid="page-notice">
          {notice}
        </p>
      )}
      {workspaces.error && <p role="alert" className="problem">{workspaces.error.message}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">Workspace</th>
            <th scope="col">People</th>
            <th scope="col">Services</th>
            <th scope="col">API calls today</th>
            <th scope="col">Storage</th>
          </tr>
        </thead>
        <tbody>
          {(workspaces.data?.items ?? []).map((workspace) => (
            <tr key={workspace.id} aria-current={workspace.id === id ? 'true' : undefined}>
              <td>
                <Link to="/workspaces" search={{ id: workspace.id }}>
                  {workspace.name}
                </Link>
                {workspace.description ? <div className="muted">{workspace.description}</div> : null}
              </td>
              <td>{workspace.users_count}</td>
              <td>
                {workspace.usage.services} / {workspace.quotas.services}
              </td>
              <td>
                {workspace.api_calls_today} / {workspace.quotas.api_calls_per_day}
              </td>
              <td>
                {workspace.storage_used_gb} / {workspace.quotas.storage_gb} GiB
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {platformAdmin ? <CreateWorkspace /> : <p className="reason">Creating a workspace needs a platform admin.</p>}
      {selected && <WorkspacePanel key={selected.id} workspace={selected} platformAdmin={platformAdmin} onDeleted={setNotice} />}
    </main>
  );
}

function CreateWorkspace() {
  const queryClient = useQueryClient();
  const [answer, setAnswer] = useState<string>();
  return (
    <Form
      className="start-release"
      aria-label="Create a workspace"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const quotas = Object.fromEntries(quotaFields.flatMap(([key]) => (formText(form, key) ? [[key, Number(formText(form, key))]] : [])));
        void (async () => {
          try {
            const created = await ok(api.POST('/workspaces', { body: { name: formText(form, 'name'), description: formText(form, 'description'), quotas } }));
            setAnswer(`created ${created.workspace.name}; its admin token, shown once: ${created.admin_token}`);
            await queryClient.invalidateQueries({ queryKey: ['workspaces'] });
          } catch (error) {
            setAnswer(error instanceof Error ? error.message : String(error));
          }
        })();
      }}
    >
      <TextField name="name" isRequired>
        <Label>New workspace</Label>
        <Input />
      </TextField>
      <TextField name="description">
        <Label>Description</Label>
        <Input />
      </TextField>
      <TextField name="services" type="number">
        <Label>Services quota (default 200)</Label>
        <Input />
      </TextField>
      <Button type="submit" className="primary">
        Create
      </Button>
      {answer && <p role="alert" className="notice">{answer}</p>}
    </Form>
  );
}

function WorkspacePanel({ workspace, platformAdmin, onDeleted }: { workspace: Schemas['Workspace']; platformAdmin: boolean; onDeleted: (notice: string) => void }) {
  const queryClient = useQueryClient();
  const { data: me } = useMe();
  const myRole = me?.workspaces.find((entry) => entry.id === workspace.id)?.role ?? (platformAdmin ? 'owner' : 'viewer');
  const canManage = platformAdmin || atLeast(myRole, 'admin');
  const manageReason = `managing members needs the admin role here; you are ${myRole}`;
  const members = useQuery({ queryKey: ['members', workspace.id], queryFn: () => ok(api.GET('/workspaces/{id}/users', { params: { path: { id: workspace.id } } })) });
  const users = useQuery({ queryKey: ['users'], queryFn: () => ok(api.GET('/admin/users')), enabled: platformAdmin });
  const [notice, setNotice] = useState<string>();
  const [deleting, setDeleting] = useState(false);
  const [password, setPassword] = useState('');
  const refresh = () => queryClient.invalidateQueries({ predicate: (query) => ['members', 'workspaces'].includes(String(query.queryKey[0])) });
  const act = async (work: () => Promise<unknown>, done: string) => {
    try {
      await work();
      setNotice(done);
      await refresh();
    } catch (error) {
      setNotice(error instanceof Error ? error.message : String(error));
    }
  };
  const path = { path: { id: workspace.id } };
  const memberIds = new Set((members.data?.items ?? []).map((member) => member.user_id));

  return (
    <section className="panel" aria-label={`Workspace ${workspace.name}`}>
      <h2>{workspace.name}</h2>
      <p className="muted">created {when(workspace.created_at)}</p>
      {notice && <p role="alert" className="notice">{notice}</p>}
      <h3>Members</h3>
      <table aria-label="Members">
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Role</th>
            <th scope="col">Per environment</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(members.data?.items ?? []).map((member) => (
            <tr key={member.user_id}>
              <td>
                {member.display_name} <span className="muted">{member.email}</span>
              </td>
              <td>
                <select
                  aria-label={`Role of ${member.email}`}
                  value={member.role}
                  disabled={!canManage}
                  onChange={(event) =>
                    void act(
                      () => ok(api.PATCH('/workspaces/{id}/users/{userId}', { params: { path: { id: workspace.id, userId: member.user_id } }, body: { role: event.target.value as Role } })),
                      `${member.email} is now ${event.target.value}`,
                    )
                  }
                >
                  {roles.map((role) => (
                    <option key={role}>{role}</option>
                  ))}
                </select>
              </td>
              <td>{Object.entries(member.environment_roles).map(([environment, role]) => `${environment}: ${role}`).join(', ') || '—'}</td>
              <td>
                <GuardedButton
                  allowed={canManage}
                  reason={manageReason}
                  onPress={() => void act(() => ok(api.DELETE('/workspaces/{id}/users/{userId}', { params: { path: { id: workspace.id, userId: member.user_id } } })), `${member.email} removed`)}
                >
                  Remove
                </GuardedButton>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {platformAdmin && users.data && (
        <form
          className="toolbar"
          aria-label="Add a member"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            void act(
              () => ok(api.POST('/workspaces/{id}/users', { params: path, body: { user_id: formText(form, 'user'), role: formText(form, 'role') as Role, environment_roles: {} } })),
              'member added',
            );
          }}
        >
          <label>
            Person{' '}
            <select name="user">
              {users.data.items.filter((user) => !memberIds.has(user.id)).map((user) => (
                <option key={user.id} value={user.id}>
                  {user.email}
                </option>
              ))}
            </select>
          </label>
          <label>
            Role{' '}
            <select name="role" defaultValue="viewer">
              {roles.map((role) => (
                <option key={role}>{role}</option>
              ))}
            </select>
          </label>
          <Button type="submit">Add member</Button>
        </form>
      )}
      <h3>Quotas</h3>
      <QuotaForm workspace={workspace} allowed={platformAdmin} onSaved={(text) => {
          setNotice(text);
          void refresh();
        }} />
      <h3>Delete</h3>
      <p>Deleting stops the workspace&apos;s tokens and sessions at once and pauses its schedules; services keep serving. It can be restored for 30 days.</p>
      <TextField value={password} onChange={setPassword} type="password">
        <Label>Your password or TOTP code (a recent re-authentication is required)</Label>
        <Input />
      </TextField>
      <GuardedButton allowed={atLeast(myRole, 'owner') || platformAdmin} reason={`deleting needs the owner role; you are ${myRole}`} onPress={() => setDeleting(true)} className="danger">
        Delete workspace
      </GuardedButton>
      <ConfirmDialog
        isOpen={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${workspace.name}`}
        expected="delete"
        action="delete"
        onConfirm={async () => {
          if (password) {
            const body = /^\d{6}$/.test(password) ? { code: password } : { password };
            await ok(api.POST('/auth/step-up', { body }));
          }
          try {
            await ok(api.DELETE('/workspaces/{id}', { params: path, body: { confirm: 'delete' } }));
          } catch (error) {
            if (error instanceof ApiProblem && error.code === 'step_up_required') throw new Error('enter your password (or TOTP code) above first: deleting needs a recent re-authentication');
            throw error;
          }
          onDeleted(`${workspace.name} deleted; a platform admin can restore it for 30 days`);
          await refresh();
        }}
      >
        <p>
          Type <strong>delete</strong> to delete {workspace.name}.
        </p>
      </ConfirmDialog>
    </section>
  );
}

function QuotaForm({ workspace, allowed, onSaved }: { workspace: Schemas['Workspace']; allowed: boolean; onSaved: (text: string) => void }) {
  const [problem, setProblem] = useState<string>();
  return (
    <form
      className="quotas"
      aria-label="Quotas"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const body = Object.fromEntries(quotaFields.map(([key]) => [key, Number(formText(form, key))])) as Record<QuotaKey, number>;
        void (async () => {
          try {
            await ok(api.PUT('/workspaces/{id}/quotas', { params: { path: { id: workspace.id } }, body }));
            setProblem(undefined);
            onSaved('quotas saved');
          } catch (error) {
            const details = error instanceof ApiProblem ? (error.details as Array<{ path: string; message: string }> | undefined) : undefined;
            setProblem(details?.map((detail) => `${detail.path.replace(/^json\./, '')}: ${detail.message}`).join('; ') ?? (error instanceof Error ? error.message : String(error)));
          }
        })();
      }}
    >
      {quotaFields.map(([key, label]) => (
        <TextField key={key} name={key} type="number" defaultValue={String(workspace.quotas[key])} isDisabled={!allowed}>
          <Label>
            {label} <span className="muted">(uses {usageOf(workspace, key)})</span>
          </Label>
          <Input />
        </TextField>
      ))}
      {allowed ? <Button type="submit">Save quotas</Button> : <span className="reason">Only platform admins change quotas.</span>}
      {problem && <p role="alert" className="problem">{problem}</p>}
    </form>
  );
}

function usageOf(workspace: Schemas['Workspace'], key: QuotaKey): string {
  const usage = workspace.usage;
  switch (key) {
    case 'api_calls_per_hour':
      return String(usage.api_calls_this_hour);
    case 'api_calls_per_day':
      return String(usage.api_calls_today);
    case 'storage_gb':
      return `${workspace.storage_used_gb} GiB`;
    case 'concurrent_users':
      return String(usage.active_users);
    default:
      return String(usage[key]);
  }
}
