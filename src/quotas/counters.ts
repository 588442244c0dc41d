import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { defaultQuotas } from './limits.ts';
import { apiWindowKey, apiWindows, windowAt, type WindowState } from './windows.ts';

/** Old windows of a workspace are deleted when its next hour window opens; two days keep yesterday's day window. */
const keepWindowsMs = 2 * 86_400_000;

/** Rows of a raw statement, whichever driver ran it (postgres.js answers an array, PGlite `{ rows }`). */
export async function rowsOf<T>(db: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

const toNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

interface CountRow {
  hour_limit: number | string;
  day_limit: number | string;
  hour_before: number | string | null;
  day_before: number | string | null;
  hour_count: number | string | null;
  hour_warned: number | string | null;
  day_count: number | string | null;
  day_warned: number | string | null;
}

/**
 * Counts one API call of a workspace in its hour and day windows, in ONE statement (one round trip): the limits
 * come from the workspace row, each window is an `insert … on conflict do update set count = count + 1` that
 * only counts while below its limit, and the day counts only if the hour did. A call the hour refuses is not
 * counted; one the day refuses may have counted in the hour (the hour's row is written first, and the day may
 * fill up between the snapshot and its row lock): harmless while the day stays full, since both reset together.
 * Shared by every API replica and kept across restarts, since the windows are rows of rate_windows.
 */
export async function countApiCall(db: Executor, workspaceId: string, now = new Date()): Promise<WindowState[]> {
  const hour = windowAt(now, 3600);
  const day = windowAt(now, 86_400);
  const hourKey = apiWindowKey('hour', workspaceId);
  const dayKey = apiWindowKey('day', workspaceId);
  const hourStart = hour.start.toISOString();
  const dayStart = day.start.toISOString();
  const [row] = await rowsOf<CountRow>(
    db,
    sql`
      with q as (
        select coalesce((quotas->>'apiCallsPerHour')::int, ${defaultQuotas.apiCallsPerHour}) as hour_limit,
               coalesce((quotas->>'apiCallsPerDay')::int, ${defaultQuotas.apiCallsPerDay}) as day_limit
        from workspaces where id = ${workspaceId}
      ),
      before as (
        select (select count from rate_windows where key = ${hourKey} and window_start = ${hourStart}::timestamptz) as hour_count,
               (select count from rate_windows where key = ${dayKey} and window_start = ${dayStart}::timestamptz) as day_count
      ),
      hour as (
        insert into rate_windows (key, window_start, count)
        select ${hourKey}, ${hourStart}::timestamptz, 1 from q, before where coalesce(before.day_count, 0) < q.day_limit
        on conflict (key, window_start) do update set count = rate_windows.count + 1
        where rate_windows.count < (select hour_limit from q)
        returning count, warned_percent
      ),
      day as (
        insert into rate_windows (key, window_start, count)
        select ${dayKey}, ${dayStart}::timestamptz, 1 where exists (select 1 from hour)
        on conflict (key, window_start) do update set count = rate_windows.count + 1
        where rate_windows.count < (select day_limit from q)
        returning count, warned_percent
      )
      select q.hour_limit, q.day_limit, before.hour_count as hour_before, before.day_count as day_before,
             (select count from hour) as hour_count, (select warned_percent from hour) as hour_warned,
             (select count from day) as day_count, (select warned_percent from day) as day_warned
      from q, before`,
  );
  if (!row) throw new Error(`workspace ${workspaceId} not found while counting its API calls`);
  const hourCount = toNumber(row.hour_count);
  const dayCount = toNumber(row.day_count);
  if (hourCount === 1) await forgetOldWindows(db, [hourKey, dayKey], now);
  const hourLimit = Number(row.hour_limit);
  const dayLimit = Number(row.day_limit);
  const hourBefore = toNumber(row.hour_before) ?? 0;
  const dayBefore = toNumber(row.day_before) ?? 0;
  // A window that counted the call admitted it. One that did not was either at its limit when its row was locked
  // (refused) or never tried because the other window refused first. Only the first snapshot (`before`) decides
  // which: the hour is skipped when the day was already full, the day when the hour refused. (Trusting the
  // snapshot for a window that was tried would admit a call another replica's commit had just pushed past the
  // limit: two API processes at once then admitted one call too many.)
  const dayFullBefore = dayBefore >= dayLimit;
  const hourAdmitted = hourCount !== null || (dayFullBefore && hourBefore < hourLimit);
  const dayAdmitted = dayCount !== null || (hourCount === null && !dayFullBefore);
  const [hourWindow, dayWindow] = apiWindows;
  // A refused window is at its limit, whatever the older snapshot said.
  const state = (window: typeof hourWindow | typeof dayWindow, limit: number, counted: number | null, before: number, admitted: boolean, warned: unknown, resetAt: Date): WindowState => ({
    name: window.name,
    quota: window.quota,
    seconds: window.seconds,
    limit,
    used: counted ?? (admitted ? before : Math.max(before, limit)),
    admitted,
    warnedPercent: toNumber(warned) ?? 0,
    resetAt,
  });
  return [
    state(hourWindow, hourLimit, hourCount, hourBefore, hourAdmitted, row.hour_warned, hour.end),
    state(dayWindow, dayLimit, dayCount, dayBefore, dayAdmitted, row.day_warned, day.end),
  ];
}

/**
 * Records that a window reached a soft limit; true for exactly one caller per window and percent, whichever
 * replica it runs on (the row's update is atomic), so the warning event is written once.
 */
export async function claimWarning(db: Executor, key: string, windowStart: Date, percent: number): Promise<boolean> {
  const rows = await rowsOf<{ key: string }>(
    db,
    sql`update rate_windows set warned_percent = ${percent}
        where key = ${key} and window_start = ${windowStart.toISOString()}::timestamptz and warned_percent < ${percent}
        returning key`,
  );
  return rows.length > 0;
}

/** API calls this hour and today of each workspace (0 for one without calls). */
export async function readApiCalls(db: Executor, workspaceIds: string[], now = new Date()): Promise<Map<string, { hour: number; day: number }>> {
  const calls = new Map(workspaceIds.map((id) => [id, { hour: 0, day: 0 }]));
  if (workspaceIds.length === 0) return calls;
  const hourStart = windowAt(now, 3600).start.toISOString();
  const dayStart = windowAt(now, 86_400).start.toISOString();
  const keys = workspaceIds.flatMap((id) => [apiWindowKey('hour', id), apiWindowKey('day', id)]);
  const rows = await rowsOf<{ key: string; count: number | string }>(
    db,
    sql`select key, count from rate_windows
        where key in (${sql.join(keys.map((key) => sql`${key}`), sql`, `)})
          and ((key like 'api-hour:%' and window_start = ${hourStart}::timestamptz) or (key like 'api-day:%' and window_start = ${dayStart}::timestamptz))`,
  );
  for (const row of rows) {
    const [kind, id] = row.key.split(':') as [string, string];
    const entry = calls.get(id);
    if (!entry) continue;
    if (kind === 'api-hour') entry.hour = Number(row.count);
    else entry.day = Number(row.count);
  }
  return calls;
}

async function forgetOldWindows(db: Executor, keys: string[], now: Date): Promise<void> {
  const cutoff = new Date(now.getTime() - keepWindowsMs).toISOString();
  await db.execute(sql`delete from rate_windows where key in (${sql.join(keys.map((key) => sql`${key}`), sql`, `)}) and window_start < ${cutoff}::timestamptz`);
}
