// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { nextRunTimes, parseCron, type CronSchedule } from '../../src/ops/cron.ts';

function schedule(expression: string, timeZone?: string): CronSchedule {
  const parsed = parseCron(expression, timeZone);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.schedule;
}

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('parseCron', () => {
  it.each([
    ['*/5 * * * *'],
    ['0 3 * * mon-fri'],
    ['30 2 1,15 JAN,jul *'],
    ['5/15 * * * *'],
    ['0 0 * * 7'],
    ['@daily'],
  ])('accepts %s', (expression) => {
    expect(parseCron(expression).ok).toBe(true);
  });

  it.each([
    ['* * * *', /expected 5 fields/],
    ['0 0 * * * *', /expected 5 fields/],
    ['61 * * * *', /minute/i],
    ['0 0 L * *', /no L, W, # or \?/],
    ['0 0 ? * *', /no L, W, # or \?/],
    ['0 0 * * 5#2', /no L, W, # or \?/],
    ['0 0 1 january *', /three-letter names/],
    ['0 0 * * fr', /three-letter names/],
    ['0 x * * *', /not allowed/],
    ['0 0 5-1 * *', /larger/],
    ['0 0 30 2 *', /never matches/],
    ['TZ=UTC 0 0 * * *', /own field/],
    ['@every 5m', /unknown shortcut/],
  ])('refuses %s with a reason', (expression, reason) => {
    const parsed = parseCron(expression);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('refuses an unknown time zone', () => {
    const parsed = parseCron('0 0 * * *', 'Mars/Olympus');
    expect(parsed).toEqual({ ok: false, reason: 'unknown time zone "Mars/Olympus"' });
  });
});

describe('nextRunTimes', () => {
  const from = new Date('2025-01-01T00:00:00Z');

  it('ANDs day-of-month and day-of-week as Temporal does: Friday the 13th only', () => {
    expect(iso(nextRunTimes(schedule('0 0 13 * 5'), from, 5))).toEqual([
      '2025-06-13T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
      '2026-11-13T00:00:00.000Z',
      '2027-08-13T00:00:00.000Z',
    ]);
  });

  it('starts strictly after the given time', () => {
    expect(iso(nextRunTimes(schedule('0 0 * * *'), from, 2))).toEqual([
      '2025-01-02T00:00:00.000Z',
      '2025-01-03T00:00:00.000Z',
    ]);
  });

  it('reads "x/y" as from x to the maximum in steps of y', () => {
    expect(iso(nextRunTimes(schedule('40/15 * * * *'), from, 3))).toEqual([
      '2025-01-01T00:40:00.000Z',
      '2025-01-01T00:55:00.000Z',
      '2025-01-01T01:40:00.000Z',
    ]);
  });

  it('treats day-of-week 7 as Sunday', () => {
    expect(iso(nextRunTimes(schedule('0 12 * * 7'), from, 1))).toEqual(['2025-01-05T12:00:00.000Z']);
  });

  it('reads the expression in the given time zone', () => {
    expect(iso(nextRunTimes(schedule('0 9 * * *', 'America/New_York'), from, 1))).toEqual(['2025-01-01T14:00:00.000Z']);
  });

  // Temporal resolves wall-clock times with Go's time.Date; the integration tests check these against the server.
  it('skips a wall-clock time that a daylight-saving jump removes', () => {
    // Paris skips 02:00-03:00 on 2025-03-30.
    expect(iso(nextRunTimes(schedule('30 2 * * *', 'Europe/Paris'), new Date('2025-03-29T00:00:00Z'), 2))).toEqual([
      '2025-03-29T01:30:00.000Z',
      '2025-03-31T00:30:00.000Z',
    ]);
  });

  it('runs a repeated wall-clock time once in Paris (Go picks the second copy there)', () => {
    // Paris goes through 02:00-03:00 twice on 2025-10-26.
    expect(iso(nextRunTimes(schedule('30 2 * * *', 'Europe/Paris'), new Date('2025-10-25T12:00:00Z'), 2))).toEqual([
      '2025-10-26T01:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
    ]);
  });

  it('runs a repeated wall-clock time twice in New York (Go picks the first copy, Temporal adds the second)', () => {
    // New York goes through 01:00-02:00 twice on 2025-11-02.
    expect(iso(nextRunTimes(schedule('30 1 * * *', 'America/New_York'), new Date('2025-11-01T12:00:00Z'), 3))).toEqual([
      '2025-11-02T05:30:00.000Z',
      '2025-11-02T06:30:00.000Z',
      '2025-11-03T06:30:00.000Z',
    ]);
  });

  it('gives up after the year 2100, as Temporal does', () => {
    expect(nextRunTimes(schedule('0 0 29 2 1'), new Date('2096-03-01T00:00:00Z'), 5)).toEqual([]);
  });
});
