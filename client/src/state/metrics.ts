// Measured values at touchpoints (pure): the answer of GET /metrics read safely, the metrics a
// board offers for its heat map, each touchpoint's latest value, the heat map's colour scale
// and a series' sparkline geometry. The server's exports use the same scale
// (server/journeyboard/exports/heat.py).
import type { MetricSeries, MetricsAnswer } from '../generated/http';

export type { MetricSeries, MetricsAnswer };
export interface MetricPoint {
  readonly date: string;
  readonly value: number;
}

/** The standard metrics, in the order the heat map offers them, with their ranges. */
export const STANDARD_METRICS = {
  nps: { low: -100, high: 100, unit: '' },
  csat: { low: 0, high: 100, unit: '%' },
  ces: { low: 1, high: 7, unit: '' },
} as const;
export type StandardMetric = keyof typeof STANDARD_METRICS;

export function isStandard(metric: string): metric is StandardMetric {
  return Object.hasOwn(STANDARD_METRICS, metric);
}

/**
 * A measured value as the board writes it, from the language's number format: at most one
 * decimal, a true minus ("−52", as the feelings and the exports write it), the unit after.
 */
export function valueText(format: (value: number, options: Intl.NumberFormatOptions) => string, value: number, unit = ''): string {
  const number = format(value, { maximumFractionDigits: 1 }).replace(/^-/, '\u2212');
  return unit === '' ? number : `${number} ${unit}`;
}

/** A metric as people read it: NPS, CSAT, CES, or the KPI's own name. */
export function metricLabel(metric: string): string {
  return isStandard(metric) ? metric.toUpperCase() : metric;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readSeries(value: unknown): MetricSeries | null {
  if (!isObject(value) || typeof value['unit'] !== 'string' || !Array.isArray(value['points'])) return null;
  const points: MetricPoint[] = [];
  for (const point of value['points'] as unknown[]) {
    if (!isObject(point)) return null;
    const { date, value: number } = point;
    if (typeof date !== 'string' || typeof number !== 'number' || !Number.isFinite(number)) return null;
    points.push({ date, value: number });
  }
  points.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { unit: value['unit'], points };
}

/** The answer of GET /metrics, or null when it is not one. */
export function parseMetrics(body: unknown): MetricsAnswer | null {
  if (!isObject(body) || !isObject(body['touchpoints'])) return null;
  const lastImport = body['last_import'];
  if (lastImport !== null && typeof lastImport !== 'string') return null;
  const touchpoints: MetricsAnswer['touchpoints'] = {};
  for (const [card, metrics] of Object.entries(body['touchpoints'])) {
    if (!isObject(metrics)) return null;
    const series: Record<string, MetricSeries> = {};
    for (const [metric, value] of Object.entries(metrics)) {
      const read = readSeries(value);
      if (read === null) return null;
      if (read.points.length > 0) series[metric] = read;
    }
    touchpoints[card] = series;
  }
  return { touchpoints, last_import: lastImport };
}

/** The metrics the heat map offers: NPS, CSAT and CES always, then the board's KPIs by name. */
export function metricChoices(data: MetricsAnswer | null, compare: (a: string, b: string) => number): string[] {
  const kpis = new Set<string>();
  for (const metrics of Object.values(data?.touchpoints ?? {})) {
    for (const metric of Object.keys(metrics)) if (!isStandard(metric)) kpis.add(metric);
  }
  return [...Object.keys(STANDARD_METRICS), ...[...kpis].sort(compare)];
}

/** A touchpoint's latest value of a metric (the series is kept by date), or null. */
export function latest(data: MetricsAnswer | null, card: string, metric: string): MetricPoint | null {
  const points = data?.touchpoints[card]?.[metric]?.points ?? [];
  return points[points.length - 1] ?? null;
}

export interface Domain {
  readonly low: number;
  readonly high: number;
  readonly unit: string;
}

/**
 * The range the heat map spreads its colours over: the lowest and highest latest value of the
 * metric among the given touchpoints (so the scale uses its whole length), or null when none
 * has a value.
 */
export function heatDomain(data: MetricsAnswer | null, cards: Iterable<string>, metric: string): Domain | null {
  let low = Infinity;
  let high = -Infinity;
  let unit = '';
  for (const card of cards) {
    const point = latest(data, card, metric);
    if (point === null) continue;
    low = Math.min(low, point.value);
    high = Math.max(high, point.value);
    unit = data?.touchpoints[card]?.[metric]?.unit ?? unit;
  }
  return low === Infinity ? null : { low, high, unit };
}

/** Where a value sits in the domain, 0…1 (the middle when the domain is one value). */
export function position(domain: Domain, value: number): number {
  if (domain.high <= domain.low) return 0.5;
  return Math.max(0, Math.min(1, (value - domain.low) / (domain.high - domain.low)));
}

/**
 * Cividis (Nuñez, Anderton and Renslow 2018), ten stops: dark blue to yellow, made for people
 * with colour-vision deficiencies and rising in lightness all along, so it reads in greyscale.
 */
export const CIVIDIS: readonly string[] = [
  '#00204d', '#00336f', '#39486b', '#575c6d', '#707173',
  '#8a8779', '#a69d75', '#c4b56c', '#e4cf5b', '#ffea46',
];

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hex([r, g, b]: readonly number[]): string {
  return `#${[r, g, b].map((c) => Math.round(c ?? 0).toString(16).padStart(2, '0')).join('')}`;
}

/** The scale's colour at 0…1, interpolated between its stops. */
export function heatColor(at: number): string {
  const scaled = Math.max(0, Math.min(1, at)) * (CIVIDIS.length - 1);
  const index = Math.min(CIVIDIS.length - 2, Math.floor(scaled));
  const from = rgb(CIVIDIS[index] ?? '#000000');
  const to = rgb(CIVIDIS[index + 1] ?? '#000000');
  const share = scaled - index;
  return hex(from.map((c, i) => c + ((to[i] ?? 0) - c) * share));
}

/** WCAG 2 relative luminance of a #rrggbb colour. */
export function luminance(color: string): number {
  const [r, g, b] = rgb(color).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

/** WCAG 2 contrast ratio of two colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

/** Black or white, whichever reads better on the fill (at least 4.58:1 on any colour). */
export function inkOn(fill: string): string {
  return contrast(fill, '#000000') >= contrast(fill, '#ffffff') ? '#000000' : '#ffffff';
}

export interface Heat {
  readonly fill: string;
  readonly ink: string;
  readonly value: number;
  readonly date: string;
  readonly unit: string;
}

/** A touchpoint's heat: its latest value's colour, or null when it has no value ("no data"). */
export function heatOf(data: MetricsAnswer | null, domain: Domain | null, card: string, metric: string): Heat | null {
  const point = latest(data, card, metric);
  if (point === null || domain === null) return null;
  const fill = heatColor(position(domain, point.value));
  const unit = data?.touchpoints[card]?.[metric]?.unit ?? '';
  return { fill, ink: inkOn(fill), value: point.value, date: point.date, unit };
}

export interface Sparkline {
  /** The SVG path of the line ("M x y L x y …"), empty without points. */
  readonly path: string;
  readonly dots: readonly { readonly x: number; readonly y: number; readonly point: MetricPoint }[];
  readonly low: number;
  readonly high: number;
}

function day(date: string): number {
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  return Number.isFinite(ms) ? ms / 86_400_000 : 0;
}

/**
 * A series as a small line in a `width` × `height` box with `pad` around it: dates along x by
 * their distance in days (one point sits in the middle), values along y (higher is up; a flat
 * series sits in the middle).
 */
export function sparkline(points: readonly MetricPoint[], width: number, height: number, pad = 3): Sparkline {
  if (points.length === 0) return { path: '', dots: [], low: 0, high: 0 };
  const values = points.map((p) => p.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const first = day(points[0]?.date ?? '');
  const span = day(points[points.length - 1]?.date ?? '') - first;
  const plotW = width - 2 * pad;
  const plotH = height - 2 * pad;
  const round = (n: number): number => Math.round(n * 100) / 100;
  const dots = points.map((point) => ({
    x: round(span > 0 ? pad + (plotW * (day(point.date) - first)) / span : width / 2),
    y: round(high > low ? pad + (plotH * (high - point.value)) / (high - low) : height / 2),
    point,
  }));
  const path = dots.map((dot, i) => `${i === 0 ? 'M' : 'L'}${dot.x} ${dot.y}`).join(' ');
  return { path, dots, low, high };
}
