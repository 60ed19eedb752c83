"""Persona pictures: an upload decoded and encoded again with Pillow, small and without metadata.

`reencode` runs in a worker process (`web/workers.py`: CPU and memory limits), because decoding
is where a hostile file costs: a decompression bomb (a few KB that claims gigapixels) is refused
from its header before any pixel is decoded, and whatever else goes wrong in a decoder stays in
the worker. What is stored is a fresh encoding of the pixels alone: no EXIF, XMP, ICC profile or
comment survives, so no location or camera detail of an upload reaches other people.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from journeyboard.workshop.errors import ApiError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""The largest upload read."""
MAX_SOURCE_PIXELS = 40_000_000
"""The most pixels an upload may claim (a 12-megapixel photo is well inside): past it the
file is refused from its header, before decoding (Pillow's own bomb check, made stricter)."""
SIDE = 512
"""The longest side of a stored picture, in pixels."""
FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
"""What an upload may be; anything else is refused (Pillow would read many more)."""


def reencode(raw: bytes) -> tuple[str, bytes, int, int]:
    """The picture to store for an upload: (media type, bytes, width, height), a WebP of at
    most SIDE x SIDE pixels (a PNG when the build of Pillow cannot write WebP); raise ApiError
    400 for what is not a picture, 413 for an upload too large or a decompression bomb."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ApiError(
            413,
            "picture_too_large",
            "a picture may be at most %(most)s bytes",
            most=MAX_UPLOAD_BYTES,
        )
    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    bomb = ApiError(
        413,
        "decompression_bomb",
        "this picture claims more than %(most)s pixels; upload a smaller one",
        most=format(MAX_SOURCE_PIXELS, ","),
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=FORMATS) as source:
                width, height = source.size
                if width * height > MAX_SOURCE_PIXELS or width < 1 or height < 1:
                    raise bomb
                source.seek(0)  # an animation: its first frame
                source.draft("RGB", (SIDE, SIDE))  # JPEG: decode at a reduced scale
                image = ImageOps.exif_transpose(source)
                image.thumbnail((SIDE, SIDE))
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                pixels = image.convert("RGBA" if has_alpha else "RGB")
    except ApiError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise ApiError(
            400, "not_a_picture", "this is not a PNG, JPEG, WebP or GIF picture"
        ) from None
    # Only the pixels go on: a new image carries no info (EXIF, ICC, XMP, comments).
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    try:
        clean.save(out, format="WEBP", quality=80, method=4)
        media_type = "image/webp"
    except (OSError, KeyError):  # a Pillow built without WebP
        out = io.BytesIO()
        clean.save(out, format="PNG", optimize=True)
        media_type = "image/png"
    return media_type, out.getvalue(), clean.width, clean.height
