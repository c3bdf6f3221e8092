"""Previews of a plan: a PNG of the page, and an animated HTML replay timed like the machine."""

from __future__ import annotations

from .png import render_image, render_png
from .replay import write_replay

__all__ = ["render_image", "render_png", "write_replay"]
