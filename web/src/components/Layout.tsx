import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { Button, Label, ListBox, ListBoxItem, Popover, Select, SelectValue, ToggleButton } from 'react-aria-components';
import { api, currentWorkspace, ok } from '../api.ts';
import { useMe } from '../session.ts';

/** The frame of every signed-in page: navigation, the workspace switcher, the approval inbox, sign-out. */
export function Layout() {
  const { data: me } = useMe();
  const [utc, setUtc] = useState(() => localStorage.getItem('cutover.utc') === '1');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const waiting = useQuery({
    queryKey: ['deployments', 'awaiting_approval'],
    queryFn: () => ok(api.GET('/deployments', { params: { query: { status: 'awaiting_approval', limit: 20 } } })),
    refetchInterval: 5_000,
  });
  if (!me) return null;

  async function signOut() {
    await api.POST('/auth/logout');
    queryClient.clear();
    await navigate({ to: '/login', search: {} });
  }

  const inbox = waiting.data?.items ?? [];
  return (
    <div className="frame">
      <header>
        <strong className="brand">Cutover</strong>
        <nav aria-label="Pages">
          <Link to="/deployments" search={{}}>
            Deployments
          </Link>
          <Link to="/ops" search={{}}>
            Operations
          </Link>
          <Link to="/flags" search={{}}>
            Flags
          </Link>
          <Link to="/workspaces" search={{}}>
            Workspaces
          </Link>
        </nav>
        <Select
          aria-label="Workspace"
          className="workspace"
          selectedKey={me.workspace.id}
          onSelectionChange={(key) => {
            currentWorkspace.set(String(key));
            void queryClient.resetQueries();
          }}
        >
          <Label className="sr-only">Workspace</Label>
          <Button>
            <SelectValue />
          </Button>
          <Popover>
            <ListBox items={me.workspaces}>{(workspace) => <ListBoxItem id={workspace.id}>{`${workspace.name} (${workspace.role})`}</ListBoxItem>}</ListBox>
          </Popover>
        </Select>
        <ToggleButton
          isSelected={utc}
          onChange={(selected) => {
            localStorage.setItem('cutover.utc', selected ? '1' : '0');
            setUtc(selected);
          }}
        >
          {utc ? 'Times in UTC' : 'Times in local time'}
        </ToggleButton>
        <span className="me">{me.user?.email ?? me.actor}</span>
        <Button onPress={() => void signOut()}>Sign out</Button>
      </header>
      {inbox.length > 0 && (
        <aside className="inbox" aria-label="Waiting for approval">
          <strong>Waiting for approval:</strong>
          {inbox.map((deployment) => (
            <Link key={deployment.id} to="/deployments/$id" params={{ id: deployment.id }}>
              {deployment.service} {deployment.version} in {deployment.environment}
            </Link>
          ))}
        </aside>
      )}
      {/* Remounted when the time setting changes, so every time on the page is shown anew. */}
      <div key={utc ? 'utc' : 'local'}>
        <Outlet />
      </div>
    </div>
  );
}
