import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Input, SearchField } from 'react-aria-components';

interface Line {
  id: number;
  stream: 'stdout' | 'stderr';
  line: string;
}

/** A run's log over its SSE stream (all lines so far, then live until the run ends); virtualized, searchable. */
export function LogViewer({ jobId, runId }: { jobId: string; runId: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [ended, setEnded] = useState<string>();
  const [search, setSearch] = useState('');
  useEffect(() => {
    const source = new EventSource(`/api/v1/ops/jobs/${jobId}/runs/${runId}/logs`);
    const pending: Line[] = [];
    let frame = 0;
    source.addEventListener('line', (event) => {
      pending.push(JSON.parse((event as MessageEvent<string>).data) as Line);
      // Thousands of lines a second arrive in one render per frame, not one each.
      frame ||= requestAnimationFrame(() => {
        frame = 0;
        const batch = pending.splice(0);
        setLines((known) => [...known, ...batch]);
      });
    });
    source.addEventListener('end', (event) => {
      const run = JSON.parse((event as MessageEvent<string>).data) as { status?: string; exit_code?: number | null } | null;
      setEnded(run ? `${run.status}${run.exit_code !== null && run.exit_code !== undefined ? `, exit ${run.exit_code}` : ''}` : 'ended');
      source.close();
    });
    return () => {
      source.close();
      cancelAnimationFrame(frame);
    };
  }, [jobId, runId]);
  const shown = useMemo(() => (search ? lines.filter((line) => line.line.toLowerCase().includes(search.toLowerCase())) : lines), [lines, search]);
  const scroller = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: shown.length, getScrollElement: () => scroller.current, estimateSize: () => 20, overscan: 20 });
  // While tailing, keep the newest line in view.
  useEffect(() => {
    if (!ended && !search && shown.length > 0) rows.scrollToIndex(shown.length - 1, { align: 'end' });
  }, [shown.length, ended, search, rows]);
  return (
    <section className="log" aria-label="Log">
      <h3>
        Log of run {runId.slice(0, 8)} <span className="badge" data-testid="log-state">{ended ? ended : 'live'}</span>
      </h3>
      <SearchField value={search} onChange={setSearch} aria-label="Search the log">
        <Input placeholder="search" />
      </SearchField>
      <div ref={scroller} className="log-lines" role="log" aria-label="Log lines" tabIndex={0}>
        <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
          {rows.getVirtualItems().map((item) => {
            const line = shown[item.index]!;
            return (
              <div key={line.id} className={`log-line ${line.stream}`} style={{ position: 'absolute', top: 0, transform: `translateY(${item.start}px)` }}>
                {line.stream === 'stderr' ? '[stderr] ' : ''}
                {line.line}
              </div>
            );
          })}
        </div>
      </div>
      <p className="muted">
        {shown.length} of {lines.length} lines
      </p>
    </section>
  );
}
