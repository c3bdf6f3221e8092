"""How close a plan's drawing comes to its photograph: tone, structure and plot cost.

The plan is rendered at every pen's real tip width on its real page
(:func:`plotter.preview.render_image`), cropped to where the picture lies, and compared with
the photograph's grey resampled to the same pixels:

- **tone error**: MSE between the two after a Gaussian blur of ``TONE_SIGMA_MM`` on paper
  (what the eye sees from reading distance; hatching and dots average out);
- **edge F-score**: Canny edges of both at ``EDGE_SIGMA_MM`` (top ``EDGE_QUANTILE`` of the
  gradients each), matched within ``EDGE_TOLERANCE_MM``: do the drawing's edges sit where
  the photograph's are, and are the photograph's edges drawn;
- **fine SSIM**: structural similarity after a light ``SSIM_SIGMA_MM`` blur;
- **plot cost** from :func:`plotter.stats.plan_stats`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage import feature, metrics, transform

from painters.raster import LUMINANCE, Placement
from plotter.plan import Plan
from plotter.preview import render_image
from plotter.stats import plan_stats

TONE_SIGMA_MM = 1.0
SSIM_SIGMA_MM = 0.3
EDGE_SIGMA_MM = 1.0
EDGE_QUANTILE = (0.85, 0.95)
EDGE_TOLERANCE_MM = 1.5


@dataclass(frozen=True)
class Score:
    tone_error: float
    edge_f: float
    ssim: float
    pen_down_m: float
    pen_up_m: float
    paths: int
    time_min: float

    def as_dict(self) -> dict[str, float]:
        return {key: round(float(value), 5) for key, value in self.__dict__.items()}


def rendered_grey(plan: Plan, placement: Placement, dpi: float) -> np.ndarray:
    """The plan drawn at ``dpi`` as grey 0..1, cropped to the picture's rectangle."""
    image = np.asarray(render_image(plan, dpi=dpi), dtype=np.float64) / 255.0
    x0, y0, x1, y1 = (round(v / 25.4 * dpi) for v in placement.rect)
    return image[y0:y1, x0:x1] @ LUMINANCE


def target_grey(rgb: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The photograph's grey at the render's pixel size (area-averaged when shrinking)."""
    grey = rgb @ LUMINANCE
    return transform.resize(grey, shape, order=1, anti_aliasing=grey.shape[0] > shape[0], mode="edge")


def score(plan: Plan, target: np.ndarray, placement: Placement, dpi: float) -> Score:
    """Score ``plan`` against ``target`` (grey at the render's size), see the module docstring."""
    render = rendered_grey(plan, placement, dpi)
    rows, cols = min(render.shape[0], target.shape[0]), min(render.shape[1], target.shape[1])
    render, target = render[:rows, :cols], target[:rows, :cols]
    px_per_mm = dpi / 25.4

    def blur(image: np.ndarray, sigma_mm: float) -> np.ndarray:
        return ndimage.gaussian_filter(image, sigma_mm * px_per_mm, mode="nearest")

    tone = float(np.mean((blur(render, TONE_SIGMA_MM) - blur(target, TONE_SIGMA_MM)) ** 2))
    ssim = float(metrics.structural_similarity(blur(render, SSIM_SIGMA_MM), blur(target, SSIM_SIGMA_MM),
                                               data_range=1.0))
    stats = plan_stats(plan)
    return Score(tone, edge_f_score(render, target, px_per_mm), ssim, stats.pen_down_mm / 1000,
                 stats.pen_up_mm / 1000, stats.paths, stats.time_s / 60)


def edge_f_score(render: np.ndarray, target: np.ndarray, px_per_mm: float) -> float:
    """F-score of the render's Canny edges against the target's, within the tolerance."""
    def edges(image: np.ndarray) -> np.ndarray:
        return feature.canny(image, sigma=EDGE_SIGMA_MM * px_per_mm, low_threshold=EDGE_QUANTILE[0],
                             high_threshold=EDGE_QUANTILE[1], use_quantiles=True)

    drawn, wanted = edges(render), edges(target)
    if not drawn.any() or not wanted.any():
        return 0.0
    tolerance = EDGE_TOLERANCE_MM * px_per_mm
    near_wanted = ndimage.distance_transform_edt(~wanted) <= tolerance
    near_drawn = ndimage.distance_transform_edt(~drawn) <= tolerance
    precision = float(near_wanted[drawn].mean())
    recall = float(near_drawn[wanted].mean())
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
