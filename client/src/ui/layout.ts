// Map geometry at 100% zoom; zoom scales the whole map (CSS zoom), so cursor anchors and the
// emotion curve line up on every screen. Stage columns are at least COLUMN_WIDTH wide and take
// the free width of the screen up to MAX_COLUMN_WIDTH (see docs/DECISIONS.md, "The laptop pass").
export const COLUMN_WIDTH = 184;
/** The widest a stage column grows into free width: a card stays a sticky note, not a banner. */
export const MAX_COLUMN_WIDTH = 280;
export const COLUMN_GAP = 0;
export const LABEL_WIDTH = 124;
/** The "+ Stage" column beside the last stage (editors only). */
export const ADD_STAGE_WIDTH = 96;
/** The zoom range: 50% is the overview, where cards become chips. */
export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 1.25;
export const CHIP_ZOOM = 0.6;
/** A board never opens below this zoom: under it a card's text is too small to read. */
export const OPENING_MIN_ZOOM = 0.8;
/** A board with at most this many stages that does not fit at 80% opens at 100% and scrolls. */
export const FEW_STAGES = 3;
/** Room kept free beside the columns (the scrollbar's edge, rounding). */
const SLACK = 8;

/** How the map is laid out for one person: its zoom and the width of a stage column. */
export interface MapView {
  readonly zoom: number;
  readonly columnWidth: number;
}

/** The width spanned by `count` stage columns of `width` px. */
export function columnsWidth(count: number, width = COLUMN_WIDTH): number {
  return Math.max(0, count * width + (count - 1) * COLUMN_GAP);
}

export function clampZoom(zoom: number): number {
  return Math.round(Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom)) * 100) / 100;
}

/** The map's unzoomed width with `stages` columns of `columnWidth`. */
export function mapWidth(stages: number, columnWidth: number, editable: boolean): number {
  return LABEL_WIDTH + columnsWidth(Math.max(1, stages), columnWidth) + (editable ? ADD_STAGE_WIDTH : 0);
}

/** The largest zoom (to the percent, at most 100%) at which every stage fits `width` px. */
export function widthZoom(width: number, stages: number, editable: boolean): number {
  const fits = (width - SLACK) / mapWidth(stages, COLUMN_WIDTH, editable);
  return Math.min(1, Math.floor(fits * 100) / 100);
}

/** Stage columns as wide as the free width allows at `zoom`, between the base and the maximum. */
export function columnWidthFor(width: number, zoom: number, stages: number, editable: boolean): number {
  const free = (width - SLACK) / zoom - LABEL_WIDTH - (editable ? ADD_STAGE_WIDTH : 0);
  const each = Math.floor((free - COLUMN_GAP * (Math.max(1, stages) - 1)) / Math.max(1, stages));
  return Math.max(COLUMN_WIDTH, Math.min(MAX_COLUMN_WIDTH, each));
}

/**
 * How a board opens in `width` px: the largest zoom at which every stage fits the width, never
 * below 80%; below that 80% (100% for a board of few stages) and the map scrolls sideways. The
 * height never counts: a laptop scrolls vertically rather than shrinking text.
 */
export function openingView(width: number, stages: number, editable: boolean): MapView {
  let zoom = widthZoom(width, stages, editable);
  if (zoom < OPENING_MIN_ZOOM) zoom = stages <= FEW_STAGES ? 1 : OPENING_MIN_ZOOM;
  return { zoom, columnWidth: columnWidthFor(width, zoom, stages, editable) };
}

/** "Fit journey": every stage in the width, down to the overview's 50% if it must. */
export function fitView(width: number, stages: number, editable: boolean): MapView {
  const zoom = clampZoom(widthZoom(width, stages, editable));
  return { zoom, columnWidth: columnWidthFor(width, zoom, stages, editable) };
}

/** The next zoom step in or out (10% steps, snapping to them). */
export function stepZoom(zoom: number, direction: 1 | -1): number {
  const steps = Math.round(zoom * 10) + direction;
  return clampZoom(steps / 10);
}
