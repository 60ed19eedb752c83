/** Download an export of the board (the token travels in a header, never in a URL). */

export interface ExportChoice {
  readonly label: string;
  readonly path: string; // e.g. "export.csv?dialect=nordic"
}

// Format and option names are the server's (exports/render.py), the same as `journeyboard export`.
export const EXPORT_CHOICES: readonly ExportChoice[] = [
  { label: 'Summary report (PDF, A4)', path: 'export.pdf' },
  { label: 'Summary report (HTML)', path: 'export.html' },
  { label: 'Summary report (Markdown)', path: 'export.md' },
  { label: 'Spreadsheet (CSV)', path: 'export.csv?dialect=excel' },
  { label: 'Spreadsheet (CSV, Nordic Excel)', path: 'export.csv?dialect=nordic' },
  { label: 'Wall poster A0 (PDF)', path: 'export.poster-pdf?sheet=A0' },
  { label: 'Wall poster A1 (PDF)', path: 'export.poster-pdf?sheet=A1' },
  { label: 'Wall poster A1, tiled on A3 pages (PDF)', path: 'export.poster-pdf?sheet=A1&tile=A3' },
  { label: 'Wall poster A1, tiled on A4 pages (PDF)', path: 'export.poster-pdf?sheet=A1&tile=A4' },
  { label: 'Wall poster A0 (SVG)', path: 'export.svg?sheet=A0' },
  { label: 'Whole board (JSON, re-importable)', path: 'export.json' },
];

/** The message of the server's `{"error": {"message": …}}` answer, when it sent one. */
export function errorMessage(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error: unknown = body.error;
  if (typeof error !== 'object' || error === null || !('message' in error)) return null;
  return typeof error.message === 'string' ? error.message : null;
}

/** The file name the server suggests in Content-Disposition, or a fallback. */
export function filenameFrom(disposition: string | null, fallback: string): string {
  const match = disposition === null ? null : /filename="([^"]+)"/.exec(disposition);
  return match?.[1] ?? fallback;
}

export async function downloadExport(boardId: string, token: string, choice: ExportChoice): Promise<void> {
  const response = await fetch(`/api/boards/${encodeURIComponent(boardId)}/${choice.path}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    const said = errorMessage(await response.json().catch(() => null));
    throw new Error(`The export failed (${String(response.status)}${said === null ? '' : `: ${said}`}).`);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filenameFrom(response.headers.get('content-disposition'), 'journeyboard-export');
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
