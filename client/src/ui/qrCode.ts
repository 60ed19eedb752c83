// A QR code as one SVG path (pure): the module matrix comes from `uqr`, the drawing is ours.
import { encode } from 'uqr';

export interface QrDrawing {
  /** Modules per side, quiet zone included (the viewBox is `0 0 size size`). */
  readonly size: number;
  /** One path of unit squares, a horizontal run of dark modules per subpath. */
  readonly path: string;
}

/** Quiet zone around the code, in modules (the standard asks for 4). */
export const QUIET_ZONE = 4;

/** The path for a module matrix (`true` is dark), merging each row's runs of dark modules. */
export function modulePath(rows: readonly (readonly boolean[])[]): string {
  const parts: string[] = [];
  rows.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (row[x] !== true) {
        x += 1;
        continue;
      }
      const start = x;
      while (row[x] === true) x += 1;
      const run = x - start;
      parts.push(`M${start} ${y}h${run}v1h-${run}z`);
    }
  });
  return parts.join('');
}

/** Encode `text` (medium error correction, which survives a glare on a shared screen). */
export function drawQr(text: string): QrDrawing {
  const qr = encode(text, { ecc: 'M', border: QUIET_ZONE });
  return { size: qr.size, path: modulePath(qr.data) };
}
