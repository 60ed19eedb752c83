// Fixed map geometry at 100% zoom; zoom scales the whole map (CSS zoom), so cursor anchors and
// the emotion curve line up on every screen.
export const COLUMN_WIDTH = 184;
export const COLUMN_GAP = 0;
export const LABEL_WIDTH = 124;
/** The zoom range: 50% is the overview, where cards become chips. */
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 1.25;
export const CHIP_ZOOM = 0.6;

/** The width spanned by `count` stage columns. */
export function columnsWidth(count: number): number {
  return Math.max(0, count * COLUMN_WIDTH + (count - 1) * COLUMN_GAP);
}

export function clampZoom(zoom: number): number {
  return Math.round(Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom)) * 100) / 100;
}

/** The zoom that shows `columns` stage columns (plus the label column) in `width` px. */
export function fitZoom(width: number, columns: number, extra = 0): number {
  const needed = LABEL_WIDTH + columnsWidth(Math.max(1, columns)) + extra;
  return clampZoom(Math.min(1, (width - 8) / needed));
}

/** The next zoom step in or out (10% steps, snapping to them). */
export function stepZoom(zoom: number, direction: 1 | -1): number {
  const steps = Math.round(zoom * 10) + direction;
  return clampZoom(steps / 10);
}
