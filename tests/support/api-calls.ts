import { expect } from 'vitest';
import type { Harness } from './harness.ts';

/** The JSON of an answer that must have `status` (the body is in the failure message when it has not). */
export async function expectBody<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Calls of the harness's API under /api/v1 with one token. */
export const apiAs = (harness: Harness, token: string) => ({
  post: (path: string, json: unknown) => harness.call('POST', `/api/v1${path}`, { token, body: json }),
  put: (path: string, json: unknown) => harness.call('PUT', `/api/v1${path}`, { token, body: json }),
  get: (path: string) => harness.call('GET', `/api/v1${path}`, { token }),
  delete: (path: string) => harness.call('DELETE', `/api/v1${path}`, { token }),
});
