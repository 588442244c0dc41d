/** Times as people read them: local time by default, UTC when the person chose it (kept in localStorage). */
const utc = () => localStorage.getItem('cutover.utc') === '1';

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return utc() ? `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC` : date.toLocaleString();
}

export function duration(from: string | null | undefined, to: string | null | undefined): string {
  if (!from) return '—';
  return milliseconds((to ? new Date(to).getTime() : Date.now()) - new Date(from).getTime());
}

export function milliseconds(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
