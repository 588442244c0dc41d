// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('fills in the embedded defaults', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.temporalAddress).toBe('127.0.0.1:7233');
    expect(config.temporalUiUrl).toBe('http://localhost:8233');
    expect(config.TEMPORAL_TLS).toBe(false);
  });

  it('uses an existing Temporal cluster when TEMPORAL_ADDRESS is set', () => {
    const config = loadConfig({ TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_TLS: 'true', TEMPORAL_NAMESPACE: 'prod' });
    expect(config.temporalAddress).toBe('temporal.example:7233');
    expect(config.TEMPORAL_TLS).toBe(true);
    expect(config.TEMPORAL_NAMESPACE).toBe('prod');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable', () => {
    const load = () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'not a url', CUTOVER_ADMIN_TOKEN: 'short' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT: .*DATABASE_URL: .*CUTOVER_ADMIN_TOKEN: /);
  });
});
