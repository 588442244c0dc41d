import { describe, expect, it } from 'vitest';
import { judgeResponse, readJsonPath } from '../../src/activities/lib/http-check.ts';
import { smokeCheckSchema } from '../../src/services/definition.ts';

const check = (fields: Record<string, unknown>) => smokeCheckSchema.parse({ name: 'c', path: '/x', ...fields });

describe('smoke check judgement', () => {
  it('compares the status', () => {
    expect(judgeResponse(check({}), 200, '')).toBeUndefined();
    expect(judgeResponse(check({ expectStatus: 204 }), 200, '')).toBe('expected status 204, got 200');
  });

  it('looks for a body substring', () => {
    expect(judgeResponse(check({ bodyContains: 'ready' }), 200, 'all ready')).toBeUndefined();
    expect(judgeResponse(check({ bodyContains: 'ready' }), 200, 'booting')).toMatch(/does not contain/);
  });

  it('compares a JSON path', () => {
    const byPath = check({ jsonPath: 'checks.0.db', equals: 'up' });
    expect(judgeResponse(byPath, 200, '{"checks":[{"db":"up"}]}')).toBeUndefined();
    expect(judgeResponse(byPath, 200, '{"checks":[{"db":"down"}]}')).toBe('checks.0.db is "down", expected "up"');
    expect(judgeResponse(byPath, 200, 'not json')).toBe('body is not JSON');
  });

  it('reads JSON paths safely', () => {
    expect(readJsonPath({ a: { b: [1, 2] } }, 'a.b.1')).toBe(2);
    expect(readJsonPath({ a: null }, 'a.b')).toBeUndefined();
    expect(readJsonPath('text', 'a')).toBeUndefined();
  });

  it('needs jsonPath and equals together', () => {
    expect(smokeCheckSchema.safeParse({ name: 'c', path: '/x', jsonPath: 'a' }).success).toBe(false);
  });
});
