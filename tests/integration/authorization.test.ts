// needs: Postgres, Temporal dev server
import { afterAll, describe, expect, it } from 'vitest';
import { bindForMatrix, createFixtures, createSpecialTokens } from '../support/authorization-fixtures.ts';
import { authorizationMatrix, callerRoles, type CallerRole, type MatrixRow } from '../support/authorization-matrix.ts';
import { createTestWorkspace, startHarness } from '../support/harness.ts';
import {
  credentialHeaders,
  fillPath,
  listOperations,
  toOpenApiPath,
  type OpenApiDocument,
  type Operation,
} from '../support/openapi-operations.ts';

// The authorization matrix, generated from the API's own OpenAPI document: every operation × no token, an
// unknown token, a revoked token (by each security scheme it declares), a token by a scheme it does not declare,
// each role, and another workspace. The expectations live in tests/support/authorization-matrix.ts; a route
// added without a row there fails here, by name.

const documentPath = '/api/v1/openapi.json';
// Top-level await: the tests are generated from the document the running app serves.
const harness = await startHarness();
afterAll(() => harness.close());

const documentResponse = await harness.call('GET', documentPath);
const document = (await documentResponse.json()) as OpenApiDocument;
const operations = listOperations(document, documentPath);
const allSchemes = Object.keys(document.components?.securitySchemes ?? {});

const mine = await createTestWorkspace(harness.db, 'authz');
const theirs = await createTestWorkspace(harness.db, 'authz-other');
// Both bound alike, so that another workspace's request passes its binding and meets only the lookup.
await bindForMatrix(harness, mine);
await bindForMatrix(harness, theirs);
const special = await createSpecialTokens(harness, mine);
const fixtures = createFixtures(harness, mine);
const tokenOf: Record<CallerRole, string> = { ...mine.tokens, 'platform-admin': special.platformAdmin };

const errorCodes: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

interface Credential {
  scheme: string;
  token: string;
}

/** Sends the row's request for `operation` (built anew) with `credential`; checks the error shape of any 4xx/5xx. */
async function send(operation: Operation, row: MatrixRow, credential?: Credential): Promise<{ status: number; text: string }> {
  const request = (await row.request?.(fixtures)) ?? {};
  const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
  const headers: Record<string, string> = credential ? credentialHeaders(document, credential.scheme, credential.token) : {};
  let body: string | undefined;
  if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  } else if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.body);
  }
  const response = await harness.app.request(fillPath(operation, request.params) + query, { method: operation.method, headers, body });
  // An event stream of a live resource need not end: its status is the answer.
  const streaming = response.headers.get('content-type')?.includes('text/event-stream') ?? false;
  if (streaming) await response.body?.cancel();
  const text = streaming ? '' : await response.text();
  // Failure messages quote the answer; a list can be long.
  const quoted = text.length > 400 ? `${text.slice(0, 400)}…` : text;
  if (response.status >= 400) {
    const where = `${operation.key} → ${response.status}: ${quoted}`;
    let parsed: { error?: { code?: unknown; message?: unknown; requestId?: unknown } } = {};
    expect(() => (parsed = JSON.parse(text) as typeof parsed), `${where} (not the JSON error body)`).not.toThrow();
    expect(typeof parsed.error?.code, where).toBe('string');
    expect(typeof parsed.error?.message === 'string' && parsed.error.message.length > 0, where).toBe(true);
    expect(parsed.error?.requestId, where).toBe(response.headers.get('x-request-id'));
    const code = errorCodes[response.status];
    // A step-up row's allowed roles are refused for being tokens, with a code of its own (expectStepUp checks it).
    const stepUpRefusal =
      (row.stepUp === true && parsed.error?.code === 'step_up_required') || (row.sessionOnly === true && parsed.error?.code === 'session_required');
    if (code && !stepUpRefusal) expect(parsed.error?.code, where).toBe(code);
  }
  return { status: response.status, text: quoted };
}

async function expectStatus(operation: Operation, row: MatrixRow, credential: Credential | undefined, status: number) {
  const answer = await send(operation, row, credential);
  expect(answer.status, `${operation.key}: ${answer.text}`).toBe(status);
}

/** A token whose role suffices for a step-up row: refused all the same, since no token can step up. */
async function expectStepUp(operation: Operation, row: MatrixRow, credential: Credential) {
  const answer = await send(operation, row, credential);
  expect(answer.status, `${operation.key}: ${answer.text}`).toBe(403);
  expect(answer.text, `${operation.key}: ${answer.text}`).toContain('step_up_required');
}

/** A token whose role suffices for a session-only row: refused for not being a signed-in person. */
async function expectSessionOnly(operation: Operation, row: MatrixRow, credential: Credential) {
  const answer = await send(operation, row, credential);
  expect(answer.status, `${operation.key}: ${answer.text}`).toBe(403);
  expect(answer.text, `${operation.key}: ${answer.text}`).toContain('session_required');
}

/** An allowed caller gets past authentication, authorization and validation, and finds what it names. */
async function expectAllowed(operation: Operation, row: MatrixRow, credential: Credential | undefined, who: string) {
  const answer = await send(operation, row, credential);
  const where = `${operation.key} as ${who}: ${answer.text}`;
  expect(answer.status, where).not.toBe(401);
  expect(answer.status, where).not.toBe(403);
  expect(answer.status, `${where} (the request must pass validation)`).not.toBe(422);
  if (operation.pathParams.length > 0) expect(answer.status, `${where} (the resource is the caller's)`).not.toBe(404);
  expect(row.ok, where).toContain(answer.status);
}

it('serves its OpenAPI document without a token', () => {
  expect(documentResponse.status).toBe(200);
  expect(operations.length).toBeGreaterThan(0);
});

const documentedKeys = new Set(operations.map((operation) => operation.key));

it('has a row for every operation', () => {
  const missing = [...documentedKeys].filter((key) => !(key in authorizationMatrix));
  expect(missing, 'operations without a row in tests/support/authorization-matrix.ts').toEqual([]);
});

it('has an operation for every row (no stale rows)', () => {
  const stale = Object.keys(authorizationMatrix).filter((key) => !documentedKeys.has(key));
  expect(stale, 'rows of tests/support/authorization-matrix.ts naming no operation of the document').toEqual([]);
});

it('documents exactly the routes the app serves under /api/v1, so none escapes the matrix', () => {
  const documented = new Set(operations.map((operation) => `${operation.method} ${operation.path}`));
  const served = new Set(
    harness.app.routes
      .filter((route) => !['ALL', 'OPTIONS'].includes(route.method) && route.path.startsWith('/api/v1/') && route.path !== documentPath)
      .map((route) => `${route.method} ${toOpenApiPath(route.path)}`),
  );
  expect([...served].filter((route) => !documented.has(route)), 'routes served but not in the document').toEqual([]);
  expect([...documented].filter((route) => !served.has(route)), 'operations in the document that no route serves').toEqual([]);
});

for (const operation of operations) {
  const row = authorizationMatrix[operation.key];
  describe(operation.key, () => {
    if (!row) {
      it('has a row in the authorization matrix', () => {
        expect.fail(`${operation.key} is in the OpenAPI document but has no row in tests/support/authorization-matrix.ts`);
      });
      return;
    }
    if (row.role === 'public') {
      it('declares no security', () => expect(operation.schemes).toEqual([]));
      it(`answers without a token → ${row.ok.join(' or ')}`, () => expectAllowed(operation, row, undefined, 'no token'));
      return;
    }

    it('declares its security and its 401 (and 403 above viewer)', () => {
      expect(operation.schemes.length, 'security').toBeGreaterThan(0);
      expect(Object.keys(operation.spec.responses ?? {})).toContain('401');
      if (row.role !== 'viewer') expect(Object.keys(operation.spec.responses ?? {})).toContain('403');
    });
    it('no token → 401', () => expectStatus(operation, row, undefined, 401));
    for (const scheme of operation.schemes) {
      it(`an unknown token by ${scheme} → 401`, () => expectStatus(operation, row, { scheme, token: special.unknown }, 401));
      it(`a revoked token by ${scheme} → 401`, () => expectStatus(operation, row, { scheme, token: special.revoked }, 401));
    }
    // A credential that a browser sends by itself (a cookie) must not open routes that do not declare it.
    for (const scheme of allSchemes.filter((name) => !operation.schemes.includes(name))) {
      it(`a platform admin's token by ${scheme}, which it does not declare → 401`, () =>
        expectStatus(operation, row, { scheme, token: special.platformAdmin }, 401));
    }

    const [primary, ...others] = operation.schemes as [string, ...string[]];
    const minimum = callerRoles.indexOf(row.role);
    for (const [rank, role] of callerRoles.entries()) {
      const credential = { scheme: primary, token: tokenOf[role] };
      if (rank < minimum) it(`${role} → 403`, () => expectStatus(operation, row, credential, 403));
      else if (row.stepUp) it(`${role} (a token) → 403 step_up_required`, () => expectStepUp(operation, row, credential));
      else if (row.sessionOnly) it(`${role} (a token) → 403 session_required`, () => expectSessionOnly(operation, row, credential));
      else it(`${role} → ${row.ok.join(' or ')}`, () => expectAllowed(operation, row, credential, role));
    }
    for (const scheme of others.filter(() => !row.stepUp && !row.sessionOnly)) {
      it(`${row.role} by ${scheme} → ${row.ok.join(' or ')}`, () =>
        expectAllowed(operation, row, { scheme, token: tokenOf[row.role as CallerRole] }, `${row.role} by ${scheme}`));
    }

    // A session-only route refuses every token before it looks anything up (sign-in.test.ts covers sessions).
    if (operation.pathParams.length > 0 && !row.platformScoped && !row.sessionOnly) {
      it("another workspace's admin → 404 for this workspace's resource", () =>
        expectStatus(operation, row, { scheme: primary, token: theirs.tokens.admin }, 404));
    }
  });
}
