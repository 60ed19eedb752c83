import { feelingLabel } from '../i18n/terms';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCard, addStage, readCards, type Card } from './content';
import {
  CURVE_PAD,
  DOT_SPACING,
  SCORES,
  UNSCORED_COLOUR,
  clampScore,
  dotOffset,
  dotX,
  faceColour,
  feelingDots,
  mayChangeScore,
  scoreAtY,
  scoreY,
  signed,
  smoothPath,
  stageCentre,
  stagesWidth,
} from './emotion';

function feeling(id: string, stage: string | null, emotion?: number, authorId?: string): Card {
  return {
    id,
    kind: 'feeling',
    stage,
    pos: id,
    text: '',
    author: '',
    ...(emotion === undefined ? {} : { emotion }),
    ...(authorId === undefined ? {} : { authorId }),
  };
}

/** WCAG relative luminance and contrast ratio of two #rrggbb colours. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const v = parseInt(hex.slice(at, at + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

describe('scores as text', () => {
  it('always shows the sign, with a true minus', () => {
    expect(signed(1)).toBe('+1');
    expect(signed(3)).toBe('+3');
    expect(signed(0)).toBe('0');
    expect(signed(-0)).toBe('0');
    expect(signed(-2)).toBe('\u22122');
  });

  it('labels faces in words', () => {
    expect(feelingLabel(-2)).toBe('Feeling \u22122 (upset)');
    expect(feelingLabel(3)).toBe('Feeling +3 (delighted)');
    expect(feelingLabel(0)).toBe('Feeling 0 (neutral)');
    expect(feelingLabel(-3)).toBe('Feeling \u22123 (very upset)');
    expect(feelingLabel(1)).toBe('Feeling +1 (fairly happy)');
    expect(feelingLabel(-1)).toBe('Feeling \u22121 (a bit unhappy)');
    expect(feelingLabel(2)).toBe('Feeling +2 (happy)');
    expect(feelingLabel(null)).toBe('Feeling not scored');
    expect(feelingLabel(undefined)).toBe('Feeling not scored');
  });

  it('clamps and rounds scores, never to -0', () => {
    expect(clampScore(7)).toBe(3);
    expect(clampScore(-4.2)).toBe(-3);
    expect(clampScore(1.6)).toBe(2);
    expect(Object.is(clampScore(-0.2), 0)).toBe(true);
    expect(clampScore(Number.NaN)).toBe(0);
  });
});

describe('face colours', () => {
  it('pass WCAG AA (4.5:1) against white and differ per score', () => {
    const colours = SCORES.map((score) => faceColour(score));
    for (const colour of [...colours, UNSCORED_COLOUR]) {
      expect(contrast(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    }
    expect(new Set(colours).size).toBe(SCORES.length);
    expect(faceColour(null)).toBe(UNSCORED_COLOUR);
  });

  it('go from red through amber to green', () => {
    const red = (hex: string): number => parseInt(hex.slice(1, 3), 16);
    const green = (hex: string): number => parseInt(hex.slice(3, 5), 16);
    expect(red(faceColour(-3))).toBeGreaterThan(green(faceColour(-3)) * 2);
    expect(green(faceColour(3))).toBeGreaterThan(red(faceColour(3)) * 2);
  });
});

describe('curve geometry', () => {
  const height = 140;

  it('maps a y back to the nearest whole score', () => {
    for (const score of SCORES) {
      const y = scoreY(score, height, CURVE_PAD);
      expect(scoreAtY(y, height, CURVE_PAD)).toBe(score);
      expect(scoreAtY(y + 7, height, CURVE_PAD)).toBe(score);
      expect(scoreAtY(y - 7, height, CURVE_PAD)).toBe(score);
    }
    expect(scoreAtY(-50, height, CURVE_PAD)).toBe(3);
    expect(scoreAtY(500, height, CURVE_PAD)).toBe(-3);
    expect(scoreAtY(10, 10, 14)).toBe(0);
  });

  it('lines the stages up with the columns', () => {
    expect(stagesWidth(3, 240, 8)).toBe(736);
    expect(stagesWidth(0, 240, 8)).toBe(0);
    expect(stageCentre(0, 240, 8)).toBe(120);
    expect(stageCentre(2, 240, 8)).toBe(616);
  });

  it('spreads dots with the same score beside the centre, inside the column', () => {
    expect(dotOffset(0, 1, 120)).toBe(DOT_SPACING);
    expect([0, 1, 2, 3].map((slot) => dotOffset(slot, 4, 120))).toEqual([
      DOT_SPACING,
      -DOT_SPACING,
      2 * DOT_SPACING,
      -2 * DOT_SPACING,
    ]);
    // 40 dots in a 100 px column: all inside it, none on the centre, none on top of another.
    const offsets = Array.from({ length: 40 }, (_, slot) => dotOffset(slot, 40, 50));
    expect(new Set(offsets).size).toBe(40);
    for (const offset of offsets) {
      expect(Math.abs(offset)).toBeGreaterThan(0);
      expect(Math.abs(offset)).toBeLessThanOrEqual(50);
    }
  });

  it('places one dot per scored feeling card on a known stage', () => {
    const stages = [
      { id: 'a', name: 'A', pos: '1' },
      { id: 'b', name: 'B', pos: '2' },
    ];
    const cards = [
      feeling('1', 'a', -2),
      feeling('2', 'a', -2),
      feeling('3', 'a', 1),
      feeling('4', 'b', 3),
      feeling('5', 'b'),
      feeling('6', 'gone', 1),
      feeling('7', null, 1),
      { ...feeling('8', 'a', 2), kind: 'thought' },
    ];
    const dots = feelingDots(stages, cards);
    expect(dots.map((d) => [d.card.id, d.index, d.score, d.slot, d.count])).toEqual([
      ['1', 0, -2, 0, 2],
      ['2', 0, -2, 1, 2],
      ['3', 0, 1, 0, 1],
      ['4', 1, 3, 0, 1],
    ]);
    const [first, second, , fourth] = dots;
    if (first === undefined || second === undefined || fourth === undefined) throw new Error();
    expect(dotX(first, 240, 8)).toBe(120 + DOT_SPACING);
    expect(dotX(second, 240, 8)).toBe(120 - DOT_SPACING);
    expect(dotX(fourth, 240, 8)).toBe(368 + DOT_SPACING);
  });
});

describe('who may drag a score', () => {
  it('is the author or a facilitator', () => {
    const mine = feeling('1', 'a', 0, 'p1');
    const unknown = feeling('2', 'a', 0);
    expect(mayChangeScore(mine, 'p1', false)).toBe(true);
    expect(mayChangeScore(mine, 'p2', false)).toBe(false);
    expect(mayChangeScore(mine, null, false)).toBe(false);
    expect(mayChangeScore(unknown, '', false)).toBe(false);
    expect(mayChangeScore(unknown, undefined, false)).toBe(false);
    expect(mayChangeScore(unknown, null, true)).toBe(true);
  });
});

describe('the author id of a card', () => {
  it('is written by addCard and read back as authorId', () => {
    const doc = new Y.Doc();
    const stage = addStage(doc, 'S');
    const mine = addCard(doc, 'feeling', stage, 'x', 'Ann', null, 'p-ann');
    const anonymous = addCard(doc, 'feeling', stage, 'y', 'Guest');
    const cards = new Map(readCards(doc).map((card) => [card.id, card]));
    expect(cards.get(mine)?.authorId).toBe('p-ann');
    expect(cards.get(mine)?.author).toBe('Ann');
    expect(cards.get(anonymous)).not.toHaveProperty('authorId');
    const raw = doc.getMap<unknown>('cards').get(mine);
    expect(raw instanceof Y.Map ? raw.get('author_id') : undefined).toBe('p-ann');
  });
});

describe('the smooth median line', () => {
  function numbers(path: string): number[][] {
    return [...path.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  }

  it('passes through every point and never overshoots between them', () => {
    const points = [
      { x: 0, y: 10 },
      { x: 100, y: 90 },
      { x: 200, y: 80 },
      { x: 500, y: 20 },
      { x: 600, y: 20 },
    ];
    const path = smoothPath(points);
    expect(path.startsWith('M0,10 C')).toBe(true);
    const xy = numbers(path);
    // M, then three numbers pairs (c1, c2, end) per segment.
    expect(xy).toHaveLength(1 + 3 * (points.length - 1));
    for (let i = 0; i < points.length - 1; i += 1) {
      const a = points[i];
      const b = points[i + 1];
      const [c1, c2, end] = [xy[1 + 3 * i], xy[2 + 3 * i], xy[3 + 3 * i]];
      if (a === undefined || b === undefined || c1 === undefined || c2 === undefined) throw new Error();
      expect(end).toEqual([b.x, b.y]);
      for (const [, y] of [c1, c2]) {
        expect(y).toBeGreaterThanOrEqual(Math.min(a.y, b.y));
        expect(y).toBeLessThanOrEqual(Math.max(a.y, b.y));
      }
    }
    // A flat stretch stays flat.
    expect(xy.slice(-3).every(([, y]) => y === 20)).toBe(true);
  });

  it('is a single move for one point and empty for none', () => {
    expect(smoothPath([{ x: 5, y: 7 }])).toBe('M5,7');
    expect(smoothPath([])).toBe('');
  });
});
