"""Regenerate docs/samples/ from the shipped example workshop, every format through render().

The example (shared_schema/examples/insurance_claim.json) is imported into real documents as
the server imports it. Writes the JSON, CSV, Markdown, HTML, SVG poster (whole and tiled on A4),
the report PDF and the poster PDFs, and draws the PDFs' pages as PNG with poppler's pdftoppm
(docs/samples/report-pages/, and one picture per poster PDF).

python scripts/samples.py [--only pdf] [target-dir]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "server"), str(ROOT / "tests" / "exports")]

from test_pdf import NOW_MS, example_view  # noqa: E402

from journeyboard.exports.render import render  # noqa: E402

NAME = "insurance-claim"


def draw(pdf: Path, stem: Path, dpi: int, *, first_only: bool = False) -> list[Path]:
    """The pages of a PDF as PNG files named STEM-N.png (or STEM.png for one page)."""
    with tempfile.TemporaryDirectory() as scratch:
        pages = ["-f", "1", "-l", "1"] if first_only else []
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", *pages, pdf, f"{scratch}/p"], check=True
        )
        drawn = sorted(Path(scratch).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        if len(drawn) == 1:
            targets = [stem.with_suffix(".png")]
        else:
            targets = [stem.with_name(f"{stem.name}-{n}.png") for n in range(1, len(drawn) + 1)]
        for source, target in zip(drawn, targets, strict=True):
            target.write_bytes(source.read_bytes())
    return targets


def pdfs(view: object, out: Path) -> None:
    report = out / f"{NAME}-report.pdf"
    report.write_bytes(render(view, "pdf", NOW_MS).page(1))  # type: ignore[arg-type]
    pages = out / "report-pages"
    pages.mkdir(exist_ok=True)
    for old in pages.glob("*.png"):
        old.unlink()
    draw(report, pages / "page", 60)
    for sheet, tile, dpi in (("A0", None, 12), ("A1", "A4", 30)):
        name = f"{NAME}-poster-{sheet}" + (f"-on-{tile}" if tile else "")
        body = render(view, "poster-pdf", NOW_MS, sheet=sheet, tile=tile).page(1)  # type: ignore[arg-type]
        (out / f"{name}.pdf").write_bytes(body)
        draw(out / f"{name}.pdf", out / f"{name}-pdf", dpi, first_only=tile is not None)


def others(view: object, out: Path) -> None:
    for fmt, file, options in (
        ("json", f"{NAME}.json", {}),
        ("csv", f"{NAME}-nordic.csv", {"dialect": "nordic"}),
        ("md", f"{NAME}-report.md", {}),
        ("html", f"{NAME}-report.html", {}),
        ("svg", f"{NAME}-poster-A0.svg", {"sheet": "A0"}),
    ):
        (out / file).write_bytes(render(view, fmt, NOW_MS, **options).page(1))  # type: ignore[arg-type]
    tiles = render(view, "svg", NOW_MS, tile="A4")  # type: ignore[arg-type]
    (out / "tiles").mkdir(exist_ok=True)
    for number, body in enumerate(tiles.bodies, start=1):
        (out / "tiles" / f"poster-A4-{number}.svg").write_bytes(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", default=str(ROOT / "docs" / "samples"))
    parser.add_argument("--only", choices=["pdf"], help="only the PDFs and their pictures")
    args = parser.parse_args()
    out = Path(args.target)
    out.mkdir(parents=True, exist_ok=True)
    view = example_view()
    pdfs(view, out)
    if args.only is None:
        others(view, out)
    print(f"wrote samples to {out}")


if __name__ == "__main__":
    main()
