/** Download an export of the board (the token travels in a header, never in a URL). */
import { t, type MessageKey } from '../i18n/i18n.svelte';

export interface ExportChoice {
  readonly label: MessageKey;
  readonly path: string; // e.g. "export.csv?dialect=nordic"
}

// Format and option names are the server's (exports/render.py), the same as `journeyboard export`.
export const EXPORT_CHOICES: readonly ExportChoice[] = [
  { label: 'export.pdf', path: 'export.pdf' },
  { label: 'export.html', path: 'export.html' },
  { label: 'export.markdown', path: 'export.md' },
  { label: 'export.csv', path: 'export.csv?dialect=excel' },
  { label: 'export.csv_nordic', path: 'export.csv?dialect=nordic' },
  { label: 'export.poster_a0', path: 'export.poster-pdf?sheet=A0' },
  { label: 'export.poster_a1', path: 'export.poster-pdf?sheet=A1' },
  { label: 'export.poster_a1_a3', path: 'export.poster-pdf?sheet=A1&tile=A3' },
  { label: 'export.poster_a1_a4', path: 'export.poster-pdf?sheet=A1&tile=A4' },
  { label: 'export.poster_svg', path: 'export.svg?sheet=A0' },
  { label: 'export.json', path: 'export.json' },
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

/** The formats that draw the heat map (the report and the poster). */
const HEAT_FORMATS = ['export.pdf', 'export.html', 'export.poster-pdf', 'export.svg'];

/** An export's path with the heat map's metric, when one is chosen and the format draws it. */
export function exportPath(choice: ExportChoice, heat: string | null): string {
  const [format = '', query = ''] = choice.path.split('?');
  if (heat === null || !HEAT_FORMATS.includes(format)) return choice.path;
  const params = new URLSearchParams(query);
  params.set('heat', heat);
  return `${format}?${params.toString()}`;
}

export async function downloadExport(
  boardId: string,
  token: string,
  choice: ExportChoice,
  heat: string | null = null,
): Promise<void> {
  const response = await fetch(`/api/boards/${encodeURIComponent(boardId)}/${exportPath(choice, heat)}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    const said = errorMessage(await response.json().catch(() => null));
    throw new Error(
      said === null
        ? t('export.failed_status', { status: response.status })
        : t('export.failed_said', { status: response.status, said }),
    );
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
