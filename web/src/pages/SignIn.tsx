import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { Button, FieldError, Form, Input, Label, TextField } from 'react-aria-components';
import { api, ApiProblem, currentWorkspace, formText, ok } from '../api.ts';

export function SignInPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { next } = useSearch({ from: '/login' });
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setProblem(undefined);
    try {
      const signedIn = await ok(api.POST('/auth/login', { body: { email: formText(form, 'email'), password: formText(form, 'password') } }));
      const first = signedIn.workspaces[0];
      if (first && !signedIn.workspaces.some((workspace) => workspace.id === currentWorkspace.get())) currentWorkspace.set(first.id);
      await queryClient.resetQueries();
      await navigate({ to: next && next.startsWith('/admin/') ? next.slice('/admin'.length) : '/deployments' });
    } catch (error) {
      setProblem(error instanceof ApiProblem ? error.message : 'cannot reach the API: is it running?');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Cutover</h1>
      <Form onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <TextField name="email" type="email" isRequired autoComplete="username">
          <Label>Email</Label>
          <Input />
          <FieldError />
        </TextField>
        <TextField name="password" type="password" isRequired autoComplete="current-password">
          <Label>Password</Label>
          <Input />
          <FieldError />
        </TextField>
        {problem && (
          <p role="alert" className="problem">
            {problem}
          </p>
        )}
        <Button type="submit" className="primary" isDisabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </Form>
    </main>
  );
}
