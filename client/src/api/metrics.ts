// HTTP calls of a board's measured values: read them, import a CSV or xlsx file, undo the last
// import, set one value (the `set_metric` command). The token travels in the Authorization
// header, never in a URL; a refusal throws an ApiError with the server's message.
import type { MetricsImportAnswer } from '../generated/http';
import { t } from '../i18n/i18n.svelte';
import { ApiError, isRecord, sendCommand, unreachableMessage } from './boards';
import { parseMetrics, type MetricsAnswer } from '../state/metrics';

const base = (boardId: string): string => `/api/boards/${encodeURIComponent(boardId)}/metrics`;

/** The content type a file is sent with: the server reads CSV or an xlsx workbook. */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export function uploadType(file: { name: string; type: string }): string {
  return file.name.toLowerCase().endsWith('.xlsx') || file.type === XLSX_TYPE ? XLSX_TYPE : 'text/csv';
}

async function send(path: string, token: string, init: RequestInit = {}): Promise<unknown> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  headers.set('Accept', 'application/json');
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', unreachableMessage());
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return body;
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['message'] === 'string') {
    throw new ApiError(response.status, typeof error['code'] === 'string' ? error['code'] : 'error', error['message']);
  }
  throw new ApiError(response.status, 'http_error', t('metrics.failed_status', { status: response.status }));
}

/** GET /metrics: every touchpoint's series per metric. */
export async function fetchMetrics(boardId: string, token: string): Promise<MetricsAnswer> {
  const answer = parseMetrics(await send(base(boardId), token));
  if (answer === null) throw new ApiError(200, 'bad_answer', t('api.bad_answer'));
  return answer;
}

/** POST /metrics (facilitators): the rows kept and each refused row with its reason. */
export async function importMetrics(boardId: string, token: string, file: Blob & { name: string }): Promise<MetricsImportAnswer> {
  const answer = await send(base(boardId), token, {
    method: 'POST',
    headers: { 'Content-Type': uploadType(file) },
    body: file,
  });
  if (!isRecord(answer) || typeof answer['accepted'] !== 'number' || !Array.isArray(answer['refused'])) {
    throw new ApiError(200, 'bad_answer', t('api.bad_answer'));
  }
  const refused = (answer['refused'] as unknown[]).filter(isRecord).map((r) => ({
    row: typeof r['row'] === 'number' ? r['row'] : 0,
    reason: typeof r['reason'] === 'string' ? r['reason'] : '',
  }));
  const id = answer['import'];
  return { import: typeof id === 'string' ? id : null, accepted: answer['accepted'], refused };
}

/** DELETE /metrics/imports/{id} (facilitators): undo the board's last import. */
export async function undoImport(boardId: string, token: string, importId: string): Promise<void> {
  await send(`${base(boardId)}/imports/${encodeURIComponent(importId)}`, token, { method: 'DELETE' });
}

export interface NewValue {
  readonly card: string;
  readonly metric: string;
  readonly value: number;
  readonly date: string;
  readonly unit?: string;
}

/** The `set_metric` command: one value at a touchpoint on a day. */
export async function setMetric(boardId: string, token: string, value: NewValue): Promise<void> {
  await sendCommand(boardId, token, { type: 'set_metric', ...value });
}
