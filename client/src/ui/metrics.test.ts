import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CIVIDIS } from '../state/metrics';
import { MetricsModel } from './metrics.svelte';

const ANSWER = {
  touchpoints: {
    t1: { nps: { unit: '', points: [{ date: '2026-01-01', value: -20 }] } },
    t2: { nps: { unit: '', points: [{ date: '2026-01-01', value: 40 }] } },
  },
  last_import: null,
};

describe('the heat map model', () => {
  let calls: string[] = [];
  beforeEach(() => {
    calls = [];
    vi.useFakeTimers();
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push(`${url} ${new Headers(init.headers).get('Authorization')}`);
      return Promise.resolve(new Response(JSON.stringify(ANSWER), { status: 200 }));
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('reads with the bearer token, then every 30 s while on, and never faster than 5 s', async () => {
    const model = new MetricsModel('B1', () => 'tok', () => ['t1', 't2', 't3']);
    model.choose('nps');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual(['/api/boards/B1/metrics Bearer tok']);
    expect(model.heatOf('t1')).toEqual({ metric: 'nps', heat: expect.objectContaining({ fill: CIVIDIS[0], value: -20 }) });
    expect(model.heatOf('t3')).toEqual({ metric: 'nps', heat: null });
    expect(model.coverage).toEqual({ measured: 2, of: 3 });
    // Switching the metric soon after a read reads nothing more.
    model.choose('csat');
    model.choose('nps');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    // Off: no more reads; off, a card has no heat.
    model.choose(null);
    expect(model.heatOf('t1')).toBeNull();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls).toHaveLength(2);
  });

  it('keeps a short cadence at 5 s at least, and reads at once when asked', async () => {
    const model = new MetricsModel('B1', () => 'tok', () => ['t1'], 1_000);
    model.choose('nps');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await model.refresh(); // after this page set a value or imported
    expect(calls).toHaveLength(3);
    model.destroy();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(3);
  });
});
