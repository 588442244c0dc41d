// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/api/serializers/deployments.ts';
import type { Deployment } from '../../src/db/repositories/deployments.ts';

describe('deployment cursors', () => {
  it('round-trip the last row of a page', () => {
    const row = { id: '6f1c1c1e-8f5e-4c59-9a35-2f2b0e7f3c11', createdAt: new Date('2026-11-01T10:00:00.123Z') } as Deployment;
    expect(decodeCursor(encodeCursor(row))).toEqual({ createdAt: row.createdAt, id: row.id });
  });

  it.each(['', 'garbage', Buffer.from('not-a-date|x').toString('base64url'), Buffer.from('2026-11-01T10:00:00Z|not-a-uuid').toString('base64url')])(
    'rejects %j',
    (cursor) => {
      expect(decodeCursor(cursor)).toBeUndefined();
    },
  );
});
