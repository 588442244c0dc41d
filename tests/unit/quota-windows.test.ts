// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import {
  quotaWarningHeader,
  rateLimitHeader,
  rateLimitPolicyHeader,
  reachedPercent,
  refusingWindow,
  secondsUntil,
  windowAt,
  type WindowState,
} from '../../src/quotas/windows.ts';

const now = new Date('2026-12-02T10:37:15.500Z');

function state(name: 'hour' | 'day', limit: number, used: number, admitted = true): WindowState {
  const seconds = name === 'hour' ? 3600 : 86_400;
  return {
    name,
    quota: name === 'hour' ? 'api_calls_per_hour' : 'api_calls_per_day',
    seconds,
    limit,
    used,
    admitted,
    warnedPercent: 0,
    resetAt: windowAt(now, seconds).end,
  };
}

describe('fixed windows', () => {
  it('are UTC clock hours and UTC days', () => {
    expect(windowAt(now, 3600)).toEqual({ start: new Date('2026-12-02T10:00:00Z'), end: new Date('2026-12-02T11:00:00Z') });
    expect(windowAt(now, 86_400)).toEqual({ start: new Date('2026-12-02T00:00:00Z'), end: new Date('2026-12-03T00:00:00Z') });
  });

  it('start a new window on the boundary itself', () => {
    expect(windowAt(new Date('2026-12-02T11:00:00.000Z'), 3600).start).toEqual(new Date('2026-12-02T11:00:00Z'));
    expect(windowAt(new Date('2026-12-02T10:59:59.999Z'), 3600).start).toEqual(new Date('2026-12-02T10:00:00Z'));
  });

  it('count whole seconds to the reset, never 0', () => {
    expect(secondsUntil(new Date('2026-12-02T11:00:00Z'), now)).toBe(1365);
    expect(secondsUntil(new Date('2026-12-02T10:37:15.600Z'), now)).toBe(1);
    expect(secondsUntil(new Date('2026-12-02T10:00:00Z'), now)).toBe(1);
  });
});

describe('the RateLimit headers (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('name each policy with its quota and window', () => {
    expect(rateLimitPolicyHeader([state('hour', 1000, 5), state('day', 20_000, 5)])).toBe('"hour";q=1000;w=3600, "day";q=20000;w=86400');
  });

  it('say what remains and when each resets, never below 0', () => {
    expect(rateLimitHeader([state('hour', 1000, 990), state('day', 20_000, 25_000)], now)).toBe('"hour";r=10;t=1365, "day";r=0;t=48165');
  });
});

describe('soft limits', () => {
  it('reach 80% and 90% at the exact counts', () => {
    expect(reachedPercent(79, 100)).toBe(0);
    expect(reachedPercent(80, 100)).toBe(80);
    expect(reachedPercent(89, 100)).toBe(80);
    expect(reachedPercent(90, 100)).toBe(90);
    expect(reachedPercent(100, 100)).toBe(90);
    // 80% of 36,000 is 28,800.
    expect(reachedPercent(28_799, 36_000)).toBe(0);
    expect(reachedPercent(28_800, 36_000)).toBe(80);
  });

  it('name each window past one in the warning header, none below', () => {
    expect(quotaWarningHeader([state('hour', 100, 79), state('day', 1000, 79)])).toBeUndefined();
    expect(quotaWarningHeader([state('hour', 100, 91), state('day', 1000, 800)])).toBe('api_calls_per_hour=90%, api_calls_per_day=80%');
  });
});

describe('the refusing window', () => {
  it('is none while every window has room', () => {
    expect(refusingWindow([state('hour', 100, 100), state('day', 1000, 100)])).toBeUndefined();
  });

  it('is the one that resets last when both are full', () => {
    expect(refusingWindow([state('hour', 100, 100, false), state('day', 1000, 1000, false)])?.name).toBe('day');
    expect(refusingWindow([state('hour', 100, 100, false), state('day', 1000, 500)])?.name).toBe('hour');
  });
});
