// The journeys of a workshop (GET /api/boards/{id}/journeys), read from `unknown`, and what the
// top bar and the portfolio derive from them: the breadcrumb, the tree the switcher lists, the
// persona overlay, the as-is/to-be pairs and a detailed journey's emotion summary (pure).
import type { JourneysAnswer, Persona } from '../generated/http';

type Entry = JourneysAnswer['journeys'][number];

export type Relation = Entry['relation'];
export type JourneyPersona = Readonly<Persona>;

export interface JourneyStage {
  readonly id: string;
  readonly name: string;
}

export interface TopPain {
  readonly text: string;
  /** The pain's votes once the journey's votes are revealed, else null. */
  readonly votes: number | null;
}

export interface Journey {
  readonly id: string;
  readonly title: string;
  readonly relation: Relation;
  readonly parent: string | null;
  readonly stage: string | null;
  readonly persona: JourneyPersona;
  readonly phase: string;
  readonly counts: { readonly cards: number; readonly pains: number; readonly solutions: number };
  /** Stage id → median of the feelings; only stages with a feeling. */
  readonly emotion: Readonly<Record<string, number>>;
  readonly stages: readonly JourneyStage[];
  readonly topPains: readonly TopPain[];
}

export interface Workshop {
  readonly id: string;
  /** The root first, then in the order they were made. */
  readonly journeys: readonly Journey[];
}

const RELATIONS: readonly Relation[] = ['root', 'persona', 'detail', 'to_be'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

function parsePersona(value: unknown): JourneyPersona {
  if (!isRecord(value)) return {};
  const out: Persona = {};
  for (const key of ['name', 'quote', 'description'] as const) {
    const field = value[key];
    if (typeof field === 'string' && field !== '') out[key] = field;
  }
  for (const key of ['goals', 'frustrations'] as const) {
    const items = strings(value[key]);
    if (items.length > 0) out[key] = items;
  }
  const attributes = value['attributes'];
  if (isRecord(attributes)) {
    const kept: NonNullable<Persona['attributes']> = {};
    for (const key of ['age_band', 'segment', 'frequency'] as const) {
      const field = attributes[key];
      if (typeof field === 'string' && field !== '') kept[key] = field;
    }
    if (Object.keys(kept).length > 0) out.attributes = kept;
  }
  if (value['picture'] === true) out.picture = true;
  return out;
}

function parseJourney(value: unknown): Journey | null {
  if (!isRecord(value) || typeof value['id'] !== 'string') return null;
  const relation = RELATIONS.find((r) => r === value['relation']) ?? 'root';
  const counts = isRecord(value['counts']) ? value['counts'] : {};
  const emotion: Record<string, number> = {};
  if (isRecord(value['emotion'])) {
    for (const [stage, median] of Object.entries(value['emotion'])) {
      if (typeof median === 'number' && Number.isFinite(median)) emotion[stage] = median;
    }
  }
  const stages = Array.isArray(value['stages'])
    ? value['stages'].filter(isRecord).map((s) => ({ id: text(s['id']), name: text(s['name']) }))
    : [];
  const topPains = Array.isArray(value['top_pains'])
    ? value['top_pains'].filter(isRecord).map((p) => ({
        text: text(p['text']),
        votes: typeof p['votes'] === 'number' ? p['votes'] : null,
      }))
    : [];
  return {
    id: value['id'],
    title: text(value['title']),
    relation,
    parent: typeof value['parent'] === 'string' ? value['parent'] : null,
    stage: typeof value['stage'] === 'string' ? value['stage'] : null,
    persona: parsePersona(value['persona']),
    phase: text(value['phase']) || 'lobby',
    counts: { cards: count(counts['cards']), pains: count(counts['pains']), solutions: count(counts['solutions']) },
    emotion,
    stages,
    topPains,
  };
}

/** A `journeys_answer`, or null when the value is not one. */
export function parseWorkshop(value: unknown): Workshop | null {
  if (!isRecord(value) || typeof value['workshop'] !== 'string' || !Array.isArray(value['journeys'])) {
    return null;
  }
  const journeys = value['journeys'].map(parseJourney).filter((j): j is Journey => j !== null);
  return { id: value['workshop'], journeys };
}

/** The journeys from the root down to `id` (the root alone when `id` is unknown). */
export function breadcrumb(workshop: Workshop, id: string): Journey[] {
  const byId = new Map(workshop.journeys.map((j) => [j.id, j]));
  const chain: Journey[] = [];
  const seen = new Set<string>();
  let at = byId.get(id);
  while (at !== undefined && !seen.has(at.id)) {
    seen.add(at.id);
    chain.unshift(at);
    at = at.parent === null ? undefined : byId.get(at.parent);
  }
  return chain.length > 0 ? chain : workshop.journeys.slice(0, 1);
}

export interface TreeEntry {
  readonly journey: Journey;
  /** 0 for the root, 1 for its children, … */
  readonly depth: number;
}

/** Every journey under its parent, in the order they were made (the switcher's list). */
export function journeyTree(workshop: Workshop): TreeEntry[] {
  const children = new Map<string | null, Journey[]>();
  const ids = new Set(workshop.journeys.map((j) => j.id));
  for (const journey of workshop.journeys) {
    const parent = journey.parent !== null && ids.has(journey.parent) ? journey.parent : null;
    const list = children.get(parent) ?? [];
    list.push(journey);
    children.set(parent, list);
  }
  const out: TreeEntry[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, depth: number): void => {
    for (const journey of children.get(parent) ?? []) {
      if (seen.has(journey.id)) continue;
      seen.add(journey.id);
      out.push({ journey, depth });
      walk(journey.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** The detailed journeys of one stage of a journey (a stage's badge opens the first). */
export function detailsOf(workshop: Workshop, journeyId: string, stageId: string): Journey[] {
  return workshop.journeys.filter(
    (j) => j.relation === 'detail' && j.parent === journeyId && j.stage === stageId,
  );
}

export interface EmotionSummary {
  /** The mean of the stages' medians, or null when nobody rated a feeling yet. */
  readonly mean: number | null;
  /** The lowest stage median and its stage's name (the journey's worst moment). */
  readonly lowest: { readonly stage: string; readonly median: number } | null;
  /** How many stages have a median. */
  readonly rated: number;
}

/** A journey's emotion in a few numbers, for a stage's badge. */
export function emotionSummary(journey: Journey): EmotionSummary {
  const points = journey.stages
    .filter((s) => journey.emotion[s.id] !== undefined)
    .map((s) => ({ stage: s.name, median: journey.emotion[s.id] ?? 0 }));
  if (points.length === 0) return { mean: null, lowest: null, rated: 0 };
  const mean = points.reduce((sum, p) => sum + p.median, 0) / points.length;
  const lowest = points.reduce((low, p) => (p.median < low.median ? p : low));
  return { mean: Math.round(mean * 10) / 10, lowest, rated: points.length };
}

export interface CurveSeries {
  readonly journey: Journey;
  /** One value per stage of the chart (null: no feeling there yet). */
  readonly values: readonly (number | null)[];
}

export interface ChartSpec {
  /** The stages along the x axis, in the first journey's order. */
  readonly stages: readonly JourneyStage[];
  readonly series: readonly CurveSeries[];
}

/** Curves of journeys over the stages of the first one (copies share their stages' ids; a
 * stage only a later journey has is added at the end). */
export function chartOf(journeys: readonly Journey[]): ChartSpec {
  const stages: JourneyStage[] = [];
  const seen = new Set<string>();
  for (const journey of journeys) {
    for (const stage of journey.stages) {
      if (seen.has(stage.id)) continue;
      seen.add(stage.id);
      stages.push(stage);
    }
  }
  return {
    stages,
    series: journeys.map((journey) => ({
      journey,
      values: stages.map((s) => journey.emotion[s.id] ?? null),
    })),
  };
}

/** The root and its persona variants: one chart, one colour per persona. */
export function personaChart(workshop: Workshop): ChartSpec | null {
  const personas = workshop.journeys.filter((j) => j.relation === 'persona');
  const root = workshop.journeys.find((j) => j.relation === 'root');
  if (personas.length === 0 || root === undefined) return null;
  return chartOf([root, ...personas]);
}

/** Each to-be journey with the as-is journey it was made from: one chart per pair. */
export function asIsToBe(workshop: Workshop): { asIs: Journey; toBe: Journey; chart: ChartSpec }[] {
  const byId = new Map(workshop.journeys.map((j) => [j.id, j]));
  const pairs: { asIs: Journey; toBe: Journey; chart: ChartSpec }[] = [];
  for (const toBe of workshop.journeys) {
    if (toBe.relation !== 'to_be' || toBe.parent === null) continue;
    const asIs = byId.get(toBe.parent);
    if (asIs !== undefined) pairs.push({ asIs, toBe, chart: chartOf([asIs, toBe]) });
  }
  return pairs;
}

/**
 * A line style per series of a chart: ten colours that stay apart for colour-blind readers
 * (Okabe–Ito, then Tol's), then the same colours dashed, then dotted: every persona gets a
 * style of its own however many there are.
 */
export const SERIES_COLOURS: readonly string[] = [
  '#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00',
  '#56b4e9', '#882255', '#117733', '#332288', '#999933',
];
const DASHES: readonly string[] = ['', '6 4', '2 3'];

export interface SeriesStyle {
  readonly colour: string;
  /** An SVG stroke-dasharray ('' for a solid line). */
  readonly dash: string;
}

export function seriesStyle(index: number): SeriesStyle {
  const colours = SERIES_COLOURS.length;
  const colour = SERIES_COLOURS[index % colours] ?? '#0072b2';
  const dash = DASHES[Math.floor(index / colours) % DASHES.length] ?? '';
  return { colour, dash };
}

/** The name a journey goes by in a legend: its persona's name, else its title. */
export function journeyLabel(journey: Journey): string {
  return journey.persona.name ?? journey.title;
}

/**
 * Whether a page that opened this journey lands on the workshop's portfolio instead: the
 * portfolio is the home of a workshop with more than one journey, so a fresh visit to the
 * root journey (the workshop's link, no journey chosen in this tab) goes there. A journey
 * chosen by name (another journey's link, the switcher, the breadcrumb, the portfolio's
 * "Open") stays, and so does a follower whom a facilitator is bringing along.
 */
export function landsOnPortfolio(
  workshop: Workshop,
  journeyId: string,
  chosen: boolean,
  following: boolean,
): boolean {
  return !chosen && !following && workshop.id === journeyId && workshop.journeys.length > 1;
}
