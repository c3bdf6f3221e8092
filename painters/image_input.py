"""Images in: a file or an array becomes a float RGB array in 0..1, or a clear refusal.

The size is read from the file's header before anything is decoded (Pillow opens lazily),
so a 20000 x 20000 PNG is refused without touching its pixels. Images whose longest side
exceeds :data:`MAX_SIDE` are decoded reduced (JPEG draft mode) and downscaled to it: a pen
of 0.3 mm on an A4 page cannot show more detail than that. Transparency is composited on
white paper; grey, palette and 16-bit images are widened to RGB.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from plotter.errors import PlotterError

#: Longest side kept; larger images are downscaled to it.
MAX_SIDE = 2048
#: Largest image accepted at all, in pixels (decoding it would need gigabytes).
MAX_PIXELS = 100_000_000
#: Smallest side accepted: an image needs at least a few pixels to say anything.
MIN_SIDE = 2


class ImageError(PlotterError, ValueError):
    """An input image could not be read, or is too small or too large to paint."""


def load_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read ``path`` (PNG, JPEG, anything Pillow knows) as an ``(H, W, 3)`` float array in 0..1."""
    name = os.fspath(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(name) as image:
                _check_size(image.size, name)
                if max(image.size) > MAX_SIDE:
                    image.draft("RGB", _fitted(image.size))  # JPEG decodes at 1/2, 1/4, 1/8: far less memory
                image.load()
                return as_rgb(_to_array(_downscaled(image)), name)
    except FileNotFoundError:
        raise ImageError(f"{name}: no such image file") from None
    except IsADirectoryError:
        raise ImageError(f"{name}: is a folder, not an image") from None
    except UnidentifiedImageError:
        raise ImageError(f"{name}: not an image Pillow can read (PNG, JPEG, ...)") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{name}: image too large (over {MAX_PIXELS / 1e6:.0f} megapixels)") from None
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageError):
            raise
        raise ImageError(f"{name}: cannot decode image: {error}") from None


def as_rgb(image: np.ndarray, name: str = "image") -> np.ndarray:
    """An array (grey, grey+alpha, RGB or RGBA; uint8, uint16, bool or float) as float RGB in 0..1.

    Integer images are scaled by their type's maximum; alpha is composited on white.
    """
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise ImageError(f"{name}: expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {array.shape}")
    _check_size((array.shape[1], array.shape[0]), name)
    if array.dtype == bool:
        values = array.astype(np.float64)
    elif np.issubdtype(array.dtype, np.integer):
        values = array.astype(np.float64) / np.iinfo(array.dtype).max
    else:
        values = array.astype(np.float64)
        if not np.isfinite(values).all():
            raise ImageError(f"{name}: the image holds NaN or infinite values")
        values = np.clip(values, 0.0, 1.0)
    colour = values[:, :, :-1] if values.shape[2] in (2, 4) else values
    if colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    if values.shape[2] in (2, 4):
        alpha = values[:, :, -1:]
        colour = colour * alpha + (1.0 - alpha)
    return np.ascontiguousarray(colour)


def _check_size(size: tuple[int, int], name: str) -> None:
    width, height = size
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"{name}: a {width} x {height} px image is too small to paint (at least {MIN_SIDE} px a side)")
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{name}: a {width} x {height} px image ({width * height / 1e6:.0f} megapixels) is too large; "
            f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels: downscale it first"
        )


def _fitted(size: tuple[int, int]) -> tuple[int, int]:
    factor = MAX_SIDE / max(size)
    return max(1, round(size[0] * factor)), max(1, round(size[1] * factor))


def _downscaled(image: Image.Image) -> Image.Image:
    if max(image.size) <= MAX_SIDE:
        return image
    if image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):
        image = image.convert("RGBA")
    return image.resize(_fitted(image.size), Image.Resampling.LANCZOS)


def _to_array(image: Image.Image) -> np.ndarray:
    """Pixels as an array ``as_rgb`` understands, keeping 16-bit precision and transparency."""
    mode = image.mode
    if mode.startswith("I;16"):
        return np.asarray(image, dtype=np.uint16)
    if mode == "I":
        values = np.asarray(image, dtype=np.float64)
        return values / (65535.0 if values.max() > 255 else 255.0)
    if mode == "F":
        return np.asarray(image, dtype=np.float64)
    if mode in ("1", "L", "LA", "RGB", "RGBA"):
        return np.asarray(image)
    has_alpha = "A" in mode or "transparency" in image.info
    return np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
