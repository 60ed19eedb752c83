import { describe, expect, it } from 'vitest';
import {
  asIsToBe,
  breadcrumb,
  chartOf,
  detailsOf,
  emotionSummary,
  journeyTree,
  landsOnPortfolio,
  parseWorkshop,
  personaChart,
  seriesStyle,
  SERIES_COLOURS,
} from './journeys';

const stages = [
  { id: 's1', name: 'Incident' },
  { id: 's2', name: 'Reporting' },
];

function entry(id: string, relation: string, parent: string | null, extra: Record<string, unknown> = {}): unknown {
  return {
    id,
    title: id,
    relation,
    parent,
    stage: null,
    persona: {},
    phase: 'discovery',
    counts: { cards: 1, pains: 0, solutions: 0 },
    emotion: {},
    stages,
    top_pains: [],
    ...extra,
  };
}

const answer = {
  workshop: 'root',
  journeys: [
    entry('root', 'root', null, { emotion: { s1: -1, s2: 2 }, persona: { name: 'Maria', picture: true } }),
    entry('young', 'persona', 'root', { persona: { name: 'Young driver', goals: ['Fast', 3] }, emotion: { s2: -2 } }),
    entry('contact', 'detail', 'root', { stage: 's2', stages: [{ id: 'd1', name: 'Call' }], emotion: { d1: -3 } }),
    entry('better', 'to_be', 'root', { emotion: { s1: 1 } }),
    entry('deep', 'detail', 'contact', { stage: 'd1', stages: [] }),
  ],
};

describe('the journeys of a workshop', () => {
  const workshop = parseWorkshop(answer);
  if (workshop === null) throw new Error('parse failed');

  it('parses the answer and refuses what is not one', () => {
    expect(workshop.journeys.map((j) => j.id)).toEqual(['root', 'young', 'contact', 'better', 'deep']);
    expect(workshop.journeys[0]?.persona).toEqual({ name: 'Maria', picture: true });
    expect(workshop.journeys[1]?.persona).toEqual({ name: 'Young driver', goals: ['Fast'] });
    expect(parseWorkshop({ journeys: 3 })).toBeNull();
    expect(parseWorkshop(null)).toBeNull();
  });

  it('lands a fresh visit to the root of a workshop of several journeys on the portfolio', () => {
    expect(landsOnPortfolio(workshop, 'root', false, false)).toBe(true);
    expect(landsOnPortfolio(workshop, 'root', true, false)).toBe(false); // a journey chosen
    expect(landsOnPortfolio(workshop, 'root', false, true)).toBe(false); // a follower
    expect(landsOnPortfolio(workshop, 'young', false, false)).toBe(false); // a journey's link
    const single = parseWorkshop({ workshop: 'root', journeys: [entry('root', 'root', null)] });
    if (single === null) throw new Error('parse failed');
    expect(landsOnPortfolio(single, 'root', false, false)).toBe(false);
  });

  it('walks the breadcrumb from the root', () => {
    expect(breadcrumb(workshop, 'deep').map((j) => j.id)).toEqual(['root', 'contact', 'deep']);
    expect(breadcrumb(workshop, 'nope').map((j) => j.id)).toEqual(['root']);
  });

  it('lists the tree under each parent', () => {
    expect(journeyTree(workshop).map((e) => `${e.journey.id}:${e.depth}`)).toEqual([
      'root:0', 'young:1', 'contact:1', 'deep:2', 'better:1',
    ]);
  });

  it('finds a stage’s detailed journey and sums up its emotion', () => {
    const [detail] = detailsOf(workshop, 'root', 's2');
    expect(detail?.id).toBe('contact');
    expect(detailsOf(workshop, 'root', 's1')).toEqual([]);
    if (detail === undefined) throw new Error('no detail');
    expect(emotionSummary(detail)).toEqual({ mean: -3, lowest: { stage: 'Call', median: -3 }, rated: 1 });
    const root = workshop.journeys[0];
    if (root === undefined) throw new Error('no root');
    expect(emotionSummary(root).mean).toBe(0.5);
  });

  it('overlays the personas and pairs as-is with to-be', () => {
    const chart = personaChart(workshop);
    expect(chart?.series.map((s) => s.journey.id)).toEqual(['root', 'young']);
    expect(chart?.series.map((s) => s.values)).toEqual([[-1, 2], [null, -2]]);
    const pairs = asIsToBe(workshop);
    expect(pairs.map((p) => [p.asIs.id, p.toBe.id])).toEqual([['root', 'better']]);
    expect(pairs[0]?.chart.series[1]?.values).toEqual([1, null]);
  });

  it('gives stages only a later journey has a place at the end', () => {
    const chart = chartOf(workshop.journeys.slice(1, 3));
    expect(chart.stages.map((s) => s.id)).toEqual(['s1', 's2', 'd1']);
  });

  it('gives every series its own style, however many', () => {
    const styles = Array.from({ length: 25 }, (_, i) => seriesStyle(i));
    const distinct = new Set(styles.map((s) => `${s.colour}/${s.dash}`));
    expect(distinct.size).toBe(25);
    expect(styles[0]).toEqual({ colour: SERIES_COLOURS[0], dash: '' });
  });
});
