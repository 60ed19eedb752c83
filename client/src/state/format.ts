// Small number formats the phase results share (pure).

const MINUS = '\u2212';

/**
 * `x` rounded half away from zero to `places` decimals, as digits with a point ("4.3", "-3"),
 * on the shortest decimal text of the value (`String(x)`, the same digits Python's `str` gives),
 * so 4.35, stored a hair below 4.35, still rounds up. Never "-0". The server's rule is the same
 * (server/journeyboard/exports/numbers.py); shared_schema/examples/rounding.json holds the cases.
 */
function roundHalfAway(x: number, places: number): string {
  const written = Math.abs(x).toString(); // "4.35", "1e-7", "1.5e+21"
  const [mantissa = '0', exponent = '0'] = written.split('e');
  const dot = mantissa.indexOf('.');
  let digits = mantissa.replace('.', '');
  let point = (dot === -1 ? mantissa.length : dot) + Number(exponent); // digits before the point
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  const keep = point + places;
  digits = digits.padEnd(keep + 1, '0');
  const kept = digits.slice(0, keep).split('').map(Number);
  if (Number(digits[keep]) >= 5) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i >= 0) kept[i] = (kept[i] ?? 0) + 1;
    else kept.unshift(1);
  }
  const all = kept.join('').padStart(places + 1, '0');
  const int = all.slice(0, all.length - places).replace(/^0+(?=\d)/, '');
  const text = places === 0 ? int : `${int}.${all.slice(all.length - places)}`;
  return x < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

/**
 * A mean or a spread, with one decimal: 4.25 → "4.3", -1.25 → "-1.3", 1.45 → "1.5", never
 * "-0.0"; "—" for a value that is not a finite number.
 */
export function formatOne(x: number): string {
  return Number.isFinite(x) ? roundHalfAway(x, 1) : '—';
}

/** The nearest whole number, halves away from zero (-2.5 → -3, as the server reads a score). */
export function roundWhole(x: number): number {
  const whole = Math.sign(x) * Math.round(Math.abs(x)); // x.5 is exact in binary, so this is the rule
  return whole === 0 ? 0 : whole;
}

/** A count or a score as a whole number by the same rule: 2.5 → "3", -2.5 → "-3". */
export function formatWhole(x: number): string {
  return Number.isFinite(x) ? roundHalfAway(x, 0) : '—';
}

function withSign(text: string): string {
  if (text.startsWith('-')) return `${MINUS}${text.slice(1)}`;
  return /^[0.]*$/.test(text) || text === '—' ? text : `+${text}`;
}

/** A median score as the board labels it: "+1.0", "−2.5" (a true minus sign), "0.0". */
export function formatSignedOne(x: number): string {
  return withSign(formatOne(x));
}

/** A score with its sign: "+2", "−3" (a true minus sign), "0". */
export function formatSignedWhole(x: number): string {
  return withSign(formatWhole(x));
}

/** How a count is drawn as dots: every dot up to `max`, past it one dot and "×n". */
export interface DotRun {
  /** Dots to draw. */
  readonly dots: number;
  /** The count to print after a single dot, or null when every dot is drawn. */
  readonly times: number | null;
}

export function dotRun(count: number, max = 8): DotRun {
  const n = Math.max(0, Math.floor(count));
  return n <= max ? { dots: n, times: null } : { dots: 1, times: n };
}

/**
 * An ISO date (yyyy-mm-dd) in `locale`'s words: "30 Jun 2025" (en-GB), "30 juni 2025" (sv-SE),
 * "30. jun. 2025" (da-DK); anything else as written.
 */
export function formatDate(iso: string, locale = 'en-GB'): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (match === null) return iso;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return iso;
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/**
 * A number written with a decimal point ("4.3", "-1.5", the text formatOne gives) with
 * `locale`'s decimal sign: "4,3" in Swedish. The digits and their rounding stay the same.
 */
export function localDecimal(text: string, locale = 'en-GB'): string {
  const sign = new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal');
  return sign === undefined || sign.value === '.' ? text : text.replace('.', sign.value);
}

/** A date's local day as yyyy-mm-dd (ISO days compare correctly as strings). */
export function isoDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${String(date.getFullYear()).padStart(4, '0')}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
