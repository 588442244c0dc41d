import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { ApiProblem } from './api.ts';
import { Layout } from './components/Layout.tsx';
import { DeploymentsPage } from './pages/Deployments.tsx';
import { FlagsPage } from './pages/Flags.tsx';
import { OpsPage } from './pages/Ops.tsx';
import { WorkspacesPage } from './pages/Workspaces.tsx';
import { ReleasePage } from './pages/Release.tsx';
import { SignInPage } from './pages/SignIn.tsx';
import { meQuery } from './session.ts';

interface RouterContext {
  queryClient: QueryClient;
}

const root = createRootRouteWithContext<RouterContext>()();

const signIn = createRoute({
  getParentRoute: () => root,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): { next?: string } => (typeof search.next === 'string' ? { next: search.next } : {}),
  component: SignInPage,
});

/** Every page but sign-in needs a session: without one, sign in and come back. */
const signedIn = createRoute({
  getParentRoute: () => root,
  id: 'signed-in',
  beforeLoad: async ({ context, location }) => {
    try {
      await context.queryClient.ensureQueryData(meQuery);
    } catch (error) {
      if (error instanceof ApiProblem && error.status === 401) throw redirect({ to: '/login', search: { next: location.href } });
      throw error;
    }
  },
  component: Layout,
});

const index = createRoute({ getParentRoute: () => signedIn, path: '/', beforeLoad: () => { throw redirect({ to: '/deployments' }); } });

const deployments = createRoute({
  getParentRoute: () => signedIn,
  path: '/deployments',
  validateSearch: (search: Record<string, unknown>): { service?: string; environment?: string } => ({
    ...(typeof search.service === 'string' ? { service: search.service } : {}),
    ...(typeof search.environment === 'string' ? { environment: search.environment } : {}),
  }),
  component: DeploymentsPage,
});

const release = createRoute({ getParentRoute: () => signedIn, path: '/deployments/$id', component: ReleasePage });

const ops = createRoute({
  getParentRoute: () => signedIn,
  path: '/ops',
  validateSearch: (search: Record<string, unknown>): { job?: string; run?: string } => ({
    ...(typeof search.job === 'string' ? { job: search.job } : {}),
    ...(typeof search.run === 'string' ? { run: search.run } : {}),
  }),
  component: OpsPage,
});

const flags = createRoute({
  getParentRoute: () => signedIn,
  path: '/flags',
  validateSearch: (search: Record<string, unknown>): { flag?: string; metric?: string } => ({
    ...(typeof search.flag === 'string' ? { flag: search.flag } : {}),
    ...(typeof search.metric === 'string' ? { metric: search.metric } : {}),
  }),
  component: FlagsPage,
});

const workspaces = createRoute({
  getParentRoute: () => signedIn,
  path: '/workspaces',
  validateSearch: (search: Record<string, unknown>): { id?: string } => (typeof search.id === 'string' ? { id: search.id } : {}),
  component: WorkspacesPage,
});

export const routeTree = root.addChildren([signIn, signedIn.addChildren([index, deployments, release, ops, flags, workspaces])]);

export const router = createRouter({
  routeTree,
  basepath: '/admin',
  context: { queryClient: undefined! },
  defaultPreload: 'intent',
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}

export { deployments as deploymentsRoute, release as releaseRoute, signIn as signInRoute };
