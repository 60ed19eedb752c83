import { describe, expect, it } from 'vitest';
import {
  effortX,
  impactY,
  matrixLayout,
  placeLabels,
  textWidth,
  truncateLabel,
  type Box,
  type LabelRequest,
  pointIn,
  quadrantOf,
  LOW_EFFORT_UP_TO,
  HIGH_IMPACT_FROM,
} from './matrix';

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function within(box: Box, bounds: Box): boolean {
  return (
    box.x >= bounds.x &&
    box.y >= bounds.y &&
    box.x + box.width <= bounds.x + bounds.width &&
    box.y + box.height <= bounds.y + bounds.height
  );
}

const layout = matrixLayout(368);
const bounds = layout.box;
const corner: Box = { x: bounds.x + 4, y: bounds.y + 4, width: 70, height: 16 };

/** Twelve solutions rated almost alike: all within half a step of effort 2, impact 4. */
function closePoints(): LabelRequest[] {
  const texts = [
    'Pre-fill the claim form from the policy',
    'Accept photos of any size and compress them',
    'Proactive status messages by SMS at every step',
    'Rewrite decision letters in plain language',
    'Book the replacement car in the app',
    'Daily payment batches',
    'Call back within one hour',
    'One contact person for the whole claim',
    'Chat with the assessor',
    'Show the expected handling time',
    'Video assessment instead of a visit',
    'A checklist after the accident',
  ];
  return texts.map((text, i) => ({
    id: `s${i}`,
    x: effortX(2 + (i % 4) * 0.12, layout),
    y: impactY(4 + Math.floor(i / 4) * 0.15, layout),
    text,
  }));
}

describe('matrix layout', () => {
  it('puts the scales inside the frame, with room for the quadrant names around them', () => {
    expect(layout.width).toBe(368);
    expect(effortX(1, layout)).toBe(layout.pad);
    expect(effortX(5, layout)).toBe(368 - layout.pad);
    expect(impactY(5, layout)).toBe(layout.pad);
    expect(bounds.x).toBeLessThan(layout.pad - 16);
    expect(bounds.x + bounds.width).toBe(368 - bounds.x);
  });
});

describe('truncateLabel', () => {
  it('keeps short text and cuts long text at a word boundary with an ellipsis', () => {
    expect(truncateLabel('Daily payment batches')).toBe('Daily payment batches');
    expect(truncateLabel('Proactive status messages by SMS at every step')).toBe('Proactive status…');
    expect(truncateLabel('Pre-fill the claim form from the policy')).toBe('Pre-fill the claim form…');
    expect(truncateLabel('Pre-fill the claim form from the policy').length).toBeLessThanOrEqual(24);
  });

  it('cuts a long word hard, and flattens white space', () => {
    expect(truncateLabel('Supercalifragilisticexpialidocious app')).toBe('Supercalifragilisticexp…');
    expect(truncateLabel('two\n  lines')).toBe('two lines');
    expect(truncateLabel('Rewrite letters, in plain language please', 16)).toBe('Rewrite letters…');
  });

  it('estimates 6.5 px per character at 12 px', () => {
    expect(textWidth('abcd')).toBe(26);
    expect(textWidth('abcd', 24)).toBe(52);
  });
});

describe('placeLabels', () => {
  it('places a lone label right of its point, without a leader line', () => {
    const [label] = placeLabels([{ id: 'a', x: 100, y: 100, text: 'Quick fix' }], { bounds });
    expect(label?.box.x).toBeGreaterThan(100);
    expect(label?.box.y).toBeLessThan(100);
    expect(label?.box.y).toBeGreaterThan(100 - 16);
    expect(label?.leader).toBeNull();
    expect(label?.text).toBe('Quick fix');
  });

  it('flips to the left at the right edge of the frame', () => {
    const x = bounds.x + bounds.width - 10;
    const [label] = placeLabels([{ id: 'a', x, y: 150, text: 'Rebuild everything' }], { bounds });
    expect(label !== undefined && label.box.x + label.box.width).toBeLessThanOrEqual(x);
    expect(label?.leader).toBeNull();
  });

  it('never overlaps, covers no dot or obstacle and stays in the frame for 12 close points', () => {
    const points = closePoints();
    const labels = placeLabels(points, { bounds, obstacles: [corner], dotRadius: 6 });
    expect(labels.map((l) => l.id)).toEqual(points.map((p) => p.id));
    for (const [i, a] of labels.entries()) {
      expect(within(a.box, bounds), `${a.id} leaves the frame`).toBe(true);
      expect(overlap(a.box, corner), `${a.id} covers the quadrant name`).toBe(false);
      for (const p of points) {
        const dot = { x: p.x - 6, y: p.y - 6, width: 12, height: 12 };
        expect(overlap(a.box, dot), `${a.id} covers the dot of ${p.id}`).toBe(false);
      }
      for (const b of labels.slice(i + 1)) {
        expect(overlap(a.box, b.box), `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
  });

  it('draws a leader line to every label that had to move away from its point', () => {
    const points = closePoints();
    const labels = placeLabels(points, { bounds, obstacles: [corner] });
    const moved = labels.filter((l) => l.leader !== null);
    expect(moved.length).toBeGreaterThan(0);
    for (const label of moved) {
      const point = points.find((p) => p.id === label.id);
      const leader = label.leader;
      if (point === undefined || leader === null) throw new Error('missing');
      // It starts at the dot's edge and ends on the label's box.
      expect(Math.hypot(leader.x1 - point.x, leader.y1 - point.y)).toBeCloseTo(6);
      expect(leader.x2).toBeGreaterThanOrEqual(label.box.x);
      expect(leader.x2).toBeLessThanOrEqual(label.box.x + label.box.width);
      expect(leader.y2).toBeGreaterThanOrEqual(label.box.y);
      expect(leader.y2).toBeLessThanOrEqual(label.box.y + label.box.height);
    }
  });

  it('still keeps labels apart when every point is at the same place', () => {
    const points = closePoints().map((p) => ({ ...p, x: 120, y: 120 }));
    const labels = placeLabels(points, { bounds });
    for (const [i, a] of labels.entries()) {
      expect(within(a.box, bounds)).toBe(true);
      for (const b of labels.slice(i + 1)) expect(overlap(a.box, b.box)).toBe(false);
    }
  });

  it('is deterministic whatever order the points come in', () => {
    const points = closePoints();
    const forward = placeLabels(points, { bounds });
    const backward = placeLabels([...points].reverse(), { bounds });
    expect(new Map(backward.map((l) => [l.id, l.box]))).toEqual(new Map(forward.map((l) => [l.id, l.box])));
  });

  it('sizes the boxes with a given measure instead of the estimate', () => {
    const points = closePoints();
    const wide = (text: string): number => text.length * 8;
    const labels = placeLabels(points, { bounds, measure: wide });
    for (const [i, a] of labels.entries()) {
      expect(a.box.width).toBe(a.text.length * 8 + 4);
      expect(within(a.box, bounds)).toBe(true);
      for (const b of labels.slice(i + 1)) expect(overlap(a.box, b.box)).toBe(false);
    }
  });
});

describe('a dot on a border', () => {
  it('is drawn inside the quadrant the shared rule names', () => {
    const frame = matrixLayout(400);
    const midX = effortX(LOW_EFFORT_UP_TO, frame);
    const midY = impactY(HIGH_IMPACT_FROM, frame);
    // Exactly 3 and 3: low effort and high impact, a quick win, up and to the left.
    const edge = pointIn(quadrantOf(3, 3), 3, 3, frame);
    expect(quadrantOf(3, 3)).toBe('quick_win');
    expect(edge.x).toBeLessThan(midX);
    expect(edge.y).toBeLessThan(midY);
    // A dot well inside its quadrant stays at its means.
    expect(pointIn('money_pit', 4.5, 1.5, frame)).toEqual({ x: effortX(4.5, frame), y: impactY(1.5, frame) });
  });
});
