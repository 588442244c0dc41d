import { Cron, CronPattern } from 'croner';

/**
 * Cron expressions as Temporal Schedules read them, checked and previewed before a schedule is made.
 *
 * Temporal's rules (server `service/worker/scheduler/calendar.go`), which differ from Vixie cron:
 * - day-of-month AND day-of-week must both match (Vixie ORs them when both are restricted);
 * - no `L`, `W`, `#` or `?`; `x/y` means from x to the field's maximum in steps of y; day-of-week 7 is Sunday;
 * - around daylight-saving changes it follows Go's time.Date: a skipped wall-clock time does not run, and a
 *   repeated one runs once or twice, depending on the zone (Paris once, New York twice).
 * croner checks the syntax and parses the fields (its `domAndDow: true` is the AND mode); the run times come
 * from a port of Temporal's own search, so the preview is what Temporal will do.
 */

const fieldNames = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
// Temporal's maximum of each field, used to spell `x/y` as `x-max/y`, which croner understands.
const fieldMax = [59, 23, 31, 12, 7] as const;

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** The shortcuts both Temporal and croner know, spelled out the way Temporal does. */
const shortcuts: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A checked expression: what nextRunTimes needs. */
export interface CronSchedule {
  /** As given (this is what Temporal receives). */
  expression: string;
  /** IANA zone; "UTC" when none was given. */
  timeZone: string;
  /** The parsed fields (croner's). */
  readonly pattern: CronPattern;
}

export type CronParseResult = { ok: true; schedule: CronSchedule } | { ok: false; reason: string };

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Checks a five-field expression (or an @daily-style shortcut) and an optional IANA time zone. */
export function parseCron(expression: string, timeZone?: string | null): CronParseResult {
  const zone = timeZone ?? 'UTC';
  if (!isValidTimeZone(zone)) return { ok: false, reason: `unknown time zone "${zone}"` };
  const trimmed = expression.trim();
  if (/^(CRON_)?TZ=/.test(trimmed)) return { ok: false, reason: 'give the time zone in its own field, not as a TZ= prefix' };
  // Temporal knows the shortcuts in lower case only.
  const spelled = trimmed.startsWith('@') ? shortcuts[trimmed] : trimmed;
  if (spelled === undefined) return { ok: false, reason: `unknown shortcut "${trimmed}"` };
  const fields = spelled.split(/\s+/);
  if (fields.length !== 5) {
    return { ok: false, reason: `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}` };
  }
  const normalized: string[] = [];
  for (const [index, field] of fields.entries()) {
    const checked = normalizeField(field, index);
    if (!checked.ok) return checked;
    normalized.push(checked.value);
  }
  const text = normalized.join(' ');
  let pattern: CronPattern;
  try {
    // Cron validates the whole expression with AND semantics; CronPattern holds the parsed fields.
    new Cron(text, { mode: '5-part', domAndDow: true, timezone: zone });
    pattern = new CronPattern(text, zone, { mode: '5-part' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: message.replace(/^CronPattern:\s*/, '') };
  }
  const schedule: CronSchedule = { expression: trimmed, timeZone: zone, pattern };
  if (nextRunTimes(schedule, new Date(), 1).length === 0) {
    return { ok: false, reason: 'the expression never matches a date (for example the 30th of February)' };
  }
  return { ok: true, schedule };
}

function normalizeField(field: string, index: number): { ok: true; value: string } | { ok: false; reason: string } {
  const name = fieldNames[index] ?? 'field';
  if (!/^[0-9A-Za-z*,/-]+$/.test(field)) {
    return { ok: false, reason: `${name} "${field}": only digits, names, "*", ",", "-" and "/" are allowed (no L, W, # or ?)` };
  }
  const names = index === 3 ? monthNames : index === 4 ? dayNames : [];
  for (const word of field.match(/[A-Za-z]+/g) ?? []) {
    if (!names.includes(word.toLowerCase())) {
      const hint =
        word.length === 1 ? ' (no L, W, # or ?)' : names.length > 0 ? ` (use three-letter names: ${names.join(', ')})` : '';
      return { ok: false, reason: `${name} "${field}": "${word}" is not allowed here${hint}` };
    }
  }
  const max = fieldMax[index] ?? 59;
  // Temporal reads "x/y" as "x-max/y"; croner only takes the spelled-out form.
  const value = field
    .split(',')
    .map((part) => (/^[0-9A-Za-z]+\/\d+$/.test(part) ? part.replace('/', `-${max}/`) : part))
    .join(',');
  return { ok: true, value };
}

const hourMs = 3_600_000;
/** Temporal stops looking after this year. */
const maxCalendarYear = 2100;

/**
 * The next `count` times strictly after `from` at which Temporal starts the schedule: a port of the server's
 * compiledCalendar.next (service/worker/scheduler/calendar.go, server 1.29), applied repeatedly. Ported
 * rather than approximated because its daylight-saving behaviour follows Go's time.Date (see goDate).
 */
export function nextRunTimes(schedule: CronSchedule, from: Date, count: number): Date[] {
  const zone = new ZoneClock(schedule.timeZone);
  const times: Date[] = [];
  let after = Math.floor(from.getTime() / 1000) * 1000;
  while (times.length < count) {
    const next = nextTime(schedule.pattern, zone, after);
    if (next === undefined) break;
    times.push(new Date(next));
    after = next;
  }
  return times;
}

/** One step of Temporal's calendar search, field by field from the outside in (5 fields: year any, second 0). */
function nextTime(pattern: CronPattern, zone: ZoneClock, after: number): number | undefined {
  const matches = {
    month: (mo: number) => Boolean(pattern.month[mo - 1]),
    day: (y: number, mo: number, d: number) =>
      Boolean(pattern.day[d - 1]) && Boolean(pattern.dayOfWeek[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]),
    hour: (h: number) => Boolean(pattern.hour[h]),
    minute: (m: number) => Boolean(pattern.minute[m]),
  };
  let { y, mo, d, h, m, s } = zone.wallClock(after);
  // In the second copy of an hour repeated by a daylight-saving change.
  let dstOffset = zone.wallClock(after - hourMs).h === h ? hourMs : 0;
  s++;
  outer: for (;;) {
    if (s >= 60) [m, s] = [m + 1, 0];
    if (m >= 60) {
      const previous = zone.goDate(y, mo, d, h, 0, 0);
      [h, m] = [h + 1, 0];
      const next = zone.goDate(y, mo, d, h, 0, 0);
      // Moving one hour on took two: a repeated hour was skipped, so go through it again, one hour later.
      if (dstOffset === 0 && next - previous > hourMs) [h, dstOffset] = [h - 1, hourMs];
      else dstOffset = 0;
    }
    if (h >= 24) [d, h] = [d + 1, 0];
    if (d > daysInMonth(y, mo)) [mo, d] = [mo + 1, 1];
    if (mo > 12) [y, mo] = [y + 1, 1];
    if (y > maxCalendarYear) return undefined;
    while (!matches.month(mo)) {
      [mo, d, h, m, s, dstOffset] = [mo + 1, 1, 0, 0, 0, 0];
      if (mo > 12) continue outer;
    }
    while (!matches.day(y, mo, d)) {
      [d, h, m, s, dstOffset] = [d + 1, 0, 0, 0, 0];
      if (d > daysInMonth(y, mo)) continue outer;
    }
    while (!matches.hour(h)) {
      [h, m, s, dstOffset] = [h + 1, 0, 0, 0];
      if (h >= 24) continue outer;
    }
    while (!matches.minute(m)) {
      [m, s] = [m + 1, 0];
      if (m >= 60) continue outer;
    }
    if (s !== 0) {
      // Only second 0 matches.
      s = 60;
      continue outer;
    }
    const time = zone.goDate(y, mo, d, h, m, s);
    // A wall-clock time a daylight-saving jump removed: try the next hour.
    if (zone.wallClock(time).h !== h) {
      [h, m, s] = [h + 1, 0, 0];
      continue outer;
    }
    return time + dstOffset;
  }
}

function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

interface WallClock {
  y: number;
  mo: number;
  d: number;
  h: number;
  m: number;
  s: number;
}

/** Wall-clock fields of instants in one zone, and Go's time.Date, which Temporal uses the other way round. */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat | undefined;

  constructor(timeZone: string) {
    this.format =
      timeZone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  wallClock(time: number): WallClock {
    if (!this.format) {
      const date = new Date(time);
      return {
        y: date.getUTCFullYear(),
        mo: date.getUTCMonth() + 1,
        d: date.getUTCDate(),
        h: date.getUTCHours(),
        m: date.getUTCMinutes(),
        s: date.getUTCSeconds(),
      };
    }
    const parts: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(time))) parts[part.type] = Number(part.value);
    const field = (name: string) => parts[name] ?? 0;
    return { y: field('year'), mo: field('month'), d: field('day'), h: field('hour'), m: field('minute'), s: field('second') };
  }

  /** The zone's UTC offset at an instant, in milliseconds. */
  private offsetAt(time: number): number {
    const wall = this.wallClock(time);
    return Date.UTC(wall.y, wall.mo - 1, wall.d, wall.h, wall.m, wall.s) - Math.floor(time / 1000) * 1000;
  }

  /**
   * Go's time.Date(y, mo, d, h, m, s, 0, zone): out-of-range fields carry over; the wall time is read with the
   * offset in force at that wall time taken as UTC, unless the result falls outside that offset's period, then
   * with the offset at the result. So a repeated time resolves to one of its copies (which depends on the zone),
   * and a skipped time to a time an hour off.
   */
  goDate(y: number, mo: number, d: number, h: number, m: number, s: number): number {
    const wall = Date.UTC(y, mo - 1, d, h, m, s);
    if (!this.format) return wall;
    const offset = this.offsetAt(wall);
    const utc = wall - offset;
    const offsetThen = this.offsetAt(utc);
    return offsetThen === offset ? utc : wall - offsetThen;
  }
}
