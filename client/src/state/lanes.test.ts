import { describe, expect, it } from 'vitest';
import table from '../../../shared_schema/lanes.json';
import { LANES, laneOf } from './lanes';

describe('lanes from shared_schema/lanes.json', () => {
  it('are the table, in its order', () => {
    expect(LANES.map((lane) => [lane.kind, lane.title])).toEqual(table.lanes.map((l) => [l.kind, l.title]));
  });

  it('send a kind without a lane to the unknown_kind lane, itself a lane', () => {
    expect(laneOf('pain')).toBe('pain');
    expect(laneOf('sticky')).toBe(table.unknown_kind);
    expect(LANES.some((lane) => lane.kind === table.unknown_kind)).toBe(true);
  });
});
