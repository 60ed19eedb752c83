// Fixed map geometry, so cursor coordinates mean the same place on every screen.
export const COLUMN_WIDTH = 240;
export const COLUMN_GAP = 8;
export const LABEL_WIDTH = 132;

/** The x of a stage column's centre, measured from the first stage column's left edge. */
export function columnCentre(index: number): number {
  return index * (COLUMN_WIDTH + COLUMN_GAP) + COLUMN_WIDTH / 2;
}

/** The width spanned by `count` stage columns. */
export function columnsWidth(count: number): number {
  return Math.max(0, count * COLUMN_WIDTH + (count - 1) * COLUMN_GAP);
}
