// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import type { MeasurementPhase } from '../../src/analysis/types.ts';
import { analysisVerdict, metricVerdict, shouldStop, tallyMeasurements } from '../../src/workflows/lib/analysis-verdict.ts';

const limits = { count: 3, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 2 };
const taken = (...phases: MeasurementPhase[]) => phases.map((phase) => ({ phase, value: null, at: '2026-01-01T00:00:00Z' }));

describe('metricVerdict', () => {
  it('is running until count measurements were taken, then successful', () => {
    expect(metricVerdict(limits, [])).toBe('running');
    expect(metricVerdict(limits, taken('successful', 'successful'))).toBe('running');
    expect(metricVerdict(limits, taken('successful', 'successful', 'successful'))).toBe('successful');
  });

  it('fails once failed measurements exceed failureLimit, at once when it is 0', () => {
    expect(metricVerdict(limits, taken('failed'))).toBe('failed');
    const tolerant = { ...limits, failureLimit: 1 };
    expect(metricVerdict(tolerant, taken('failed', 'successful'))).toBe('running');
    expect(metricVerdict(tolerant, taken('failed', 'successful', 'successful'))).toBe('successful');
    expect(metricVerdict(tolerant, taken('failed', 'successful', 'failed'))).toBe('failed');
  });

  it('fails when errors in a row exceed consecutiveErrorLimit; errors count as taken', () => {
    expect(metricVerdict(limits, taken('error', 'error'))).toBe('running');
    expect(metricVerdict(limits, taken('error', 'error', 'error'))).toBe('failed');
    // Errors broken by a real measurement start counting again.
    expect(metricVerdict({ ...limits, count: 5 }, taken('error', 'error', 'successful', 'error', 'error'))).toBe('successful');
    expect(metricVerdict(limits, taken('error', 'successful', 'error'))).toBe('successful');
  });

  it('is inconclusive once inconclusive measurements exceed inconclusiveLimit', () => {
    expect(metricVerdict(limits, taken('successful', 'inconclusive'))).toBe('inconclusive');
    const tolerant = { ...limits, inconclusiveLimit: 1 };
    expect(metricVerdict(tolerant, taken('successful', 'inconclusive'))).toBe('running');
    expect(metricVerdict(tolerant, taken('successful', 'inconclusive', 'successful'))).toBe('successful');
  });

  it('puts failure before inconclusive', () => {
    expect(metricVerdict(limits, taken('inconclusive', 'failed'))).toBe('failed');
  });

  it('never passes a metric nobody could measure: only errors and no data, all tolerated, is inconclusive', () => {
    const lenient = { count: 2, failureLimit: 0, inconclusiveLimit: 5, consecutiveErrorLimit: 5 };
    expect(metricVerdict(lenient, taken('error', 'inconclusive'))).toBe('inconclusive');
    expect(metricVerdict(lenient, taken('error', 'error'))).toBe('inconclusive');
    expect(metricVerdict(lenient, taken('error', 'successful'))).toBe('successful');
  });
});

describe('analysisVerdict', () => {
  it('fails on any failed metric, then is inconclusive, then running, else successful', () => {
    expect(analysisVerdict(['successful', 'inconclusive', 'failed', 'running'])).toBe('failed');
    expect(analysisVerdict(['successful', 'inconclusive', 'running'])).toBe('inconclusive');
    expect(analysisVerdict(['successful', 'running'])).toBe('running');
    expect(analysisVerdict(['successful', 'successful'])).toBe('successful');
  });
});

describe('shouldStop', () => {
  it('stops measuring on failure, inconclusiveness or success, and goes on while running', () => {
    expect(shouldStop('failed')).toBe(true);
    expect(shouldStop('inconclusive')).toBe(true);
    expect(shouldStop('successful')).toBe(true);
    expect(shouldStop('running')).toBe(false);
  });
});

describe('tallyMeasurements', () => {
  it('counts phases and the longest run of errors', () => {
    expect(tallyMeasurements(taken('error', 'successful', 'error', 'error', 'failed', 'inconclusive'))).toEqual({
      taken: 6,
      successful: 1,
      failed: 1,
      inconclusive: 1,
      consecutiveErrors: 2,
    });
  });
});
