"""Paint regions: SLIC superpixels merged by Lab colour, tiny ones absorbed, turned into polygons.

The Painting Fool segments a picture before it paints it, and the segmentation is where
abstraction lives: fewer segments, a looser colour merge and rounder shapes give a more
abstract painting. Four of its twelve knobs are here (segment count, merge distance, smallest
region, shape smoothing); holes are kept. Each region also carries what the stroke makers
need: its mean colour and darkness, where it lies, and two directions, the image structure
inside it (structure tensor) and its own principal axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

import numpy as np
import shapely
from scipy import ndimage
from skimage import color, graph, measure, segmentation

from ..raster import Placement, darkness

#: Longest side segmented: finer detail than this is below what a pen on a page shows.
SEGMENT_SIDE = 480


@dataclass(frozen=True)
class Segmentation:
    """The knobs: superpixel count, merge distance (ΔE76), smallest region, smoothing radius."""

    segments: int = 300
    merge_delta_e: float = 10.0
    min_area_mm2: float = 6.0
    smooth_mm: float = 0.8
    compactness: float = 10.0


@dataclass(frozen=True, eq=False)
class Region:
    """One paint region on the page (mm) and what the painter knows about it."""

    shape: shapely.Polygon | shapely.MultiPolygon
    rgb: np.ndarray  # mean colour, 0..1
    darkness: float  # mean 1 - grey
    area_mm2: float
    touches_border: bool
    structure_angle: float  # radians: along the image's edges inside the region
    coherence: float  # 0 (no dominant direction) .. 1 (all edges parallel)
    axis_angle: float  # radians: the region's own principal axis


def find_regions(rgb: np.ndarray, placement: Placement, knobs: Segmentation) -> list[Region]:
    """Regions of ``rgb`` laid out by ``placement``, as polygons in mm."""
    work, place = _working_image(rgb, placement)
    lab = color.rgb2lab(work)
    labels = segmentation.slic(work, n_segments=knobs.segments, compactness=knobs.compactness, start_label=0,
                               convert2lab=True, channel_axis=-1)
    labels = _merge_similar(lab, labels, knobs.merge_delta_e)
    labels = _absorb_small(labels, knobs.min_area_mm2 / place.mm_per_px**2)
    return _describe(work, labels, place, knobs.smooth_mm)


def _working_image(rgb: np.ndarray, placement: Placement) -> tuple[np.ndarray, Placement]:
    factor = SEGMENT_SIDE / max(rgb.shape[:2])
    if factor >= 1:
        return rgb, placement
    rows, cols = max(2, round(rgb.shape[0] * factor)), max(2, round(rgb.shape[1] * factor))
    smooth = ndimage.gaussian_filter(rgb, sigma=(0.5 / factor, 0.5 / factor, 0), mode="nearest")
    work = ndimage.zoom(smooth, (rows / rgb.shape[0], cols / rgb.shape[1], 1), order=1, grid_mode=True, mode="nearest")
    return np.clip(work, 0.0, 1.0), placement.resized(rows, cols)


def _merge_similar(lab: np.ndarray, labels: np.ndarray, delta_e: float) -> np.ndarray:
    """Hierarchically merge neighbouring segments whose mean Lab colours are within ``delta_e``."""
    if labels.max() == 0:
        return labels
    merged = graph.merge_hierarchical(labels, _adjacency(lab, labels), thresh=delta_e, rag_copy=False,
                                      in_place_merge=True, merge_func=_merge_mean, weight_func=_mean_difference)
    return np.unique(merged, return_inverse=True)[1].reshape(labels.shape)


def _adjacency(lab: np.ndarray, labels: np.ndarray) -> graph.RAG:
    """The region adjacency graph with mean colours, built from pixel pairs with numpy.

    (``skimage.graph.rag_mean_color`` walks every pixel with a Python callback: 1.5 s at 480 px.)
    """
    count = int(labels.max()) + 1
    pixels = np.bincount(labels.ravel(), minlength=count).astype(np.float64)
    totals = np.column_stack([np.bincount(labels.ravel(), weights=lab[:, :, k].ravel(), minlength=count)
                              for k in range(3)])
    pairs = np.concatenate([
        np.column_stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()]),
        np.column_stack([labels[:-1, :].ravel(), labels[1:, :].ravel()]),
    ])
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    means = totals / np.maximum(pixels, 1.0)[:, None]
    rag = graph.RAG()
    for node in range(count):
        rag.add_node(node, labels=[node], **{"pixel count": pixels[node], "total color": totals[node],
                                             "mean color": means[node]})
    weights = np.linalg.norm(means[pairs[:, 0]] - means[pairs[:, 1]], axis=1)
    rag.add_weighted_edges_from(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist(), weights.tolist(), strict=True))
    return rag


def _mean_difference(rag: graph.RAG, src: int, dst: int, n: int) -> dict[str, float]:
    return {"weight": float(np.linalg.norm(rag.nodes[dst]["mean color"] - rag.nodes[n]["mean color"]))}


def _merge_mean(rag: graph.RAG, src: int, dst: int) -> None:
    node = rag.nodes[dst]
    node["total color"] = node["total color"] + rag.nodes[src]["total color"]
    node["pixel count"] += rag.nodes[src]["pixel count"]
    node["mean color"] = node["total color"] / node["pixel count"]


def _absorb_small(labels: np.ndarray, min_pixels: float) -> np.ndarray:
    """Give each pixel of a too-small region to the nearest large region."""
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_pixels
    if keep.all():
        return labels
    if not keep.any():
        keep[np.argmax(sizes)] = True
    small = ~keep[labels]
    nearest = ndimage.distance_transform_edt(small, return_distances=False, return_indices=True)
    filled = labels[tuple(nearest)]
    return np.unique(filled, return_inverse=True)[1].reshape(labels.shape)


def _describe(rgb: np.ndarray, labels: np.ndarray, place: Placement, smooth_mm: float) -> list[Region]:
    count = int(labels.max()) + 1
    flat = labels.ravel()
    pixels = np.bincount(flat, minlength=count).astype(np.float64)

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights=values.ravel(), minlength=count) / pixels

    colours = np.column_stack([mean(rgb[:, :, k]) for k in range(3)])
    dark = mean(darkness(rgb))
    grey = 1.0 - darkness(rgb)
    gy, gx = np.gradient(ndimage.gaussian_filter(grey, 1.0))
    jxx, jxy, jyy = mean(gx * gx), mean(gx * gy), mean(gy * gy)
    gradient = 0.5 * np.arctan2(2 * jxy, jxx - jyy)
    coherence = np.hypot(jxx - jyy, 2 * jxy) / np.maximum(jxx + jyy, 1e-12)
    rows, cols = np.indices(labels.shape, dtype=np.float64)
    mx, my = mean(cols), mean(rows)
    sxx, syy, sxy = mean(cols**2) - mx**2, mean(rows**2) - my**2, mean(cols * rows) - mx * my
    axis = 0.5 * np.arctan2(2 * sxy, sxx - syy)
    border = np.zeros(count, dtype=bool)
    border[np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))] = True
    regions = []
    for index, window in enumerate(ndimage.find_objects(labels + 1)):
        if window is None:
            continue
        shape = _polygon(labels[window] == index, window, place, smooth_mm)
        if shape.is_empty:
            continue
        regions.append(Region(shape, colours[index], float(dark[index]), float(shape.area), bool(border[index]),
                              float(gradient[index] + np.pi / 2), float(coherence[index]), float(axis[index])))
    return regions


def _polygon(mask: np.ndarray, window: tuple[slice, slice], place: Placement, smooth_mm: float):
    """The mask's outline as a shapely (multi)polygon in mm, holes kept, then smoothed.

    Contours at level 0.5 run along pixel edges; rings are combined even-odd, so a hole
    and an island inside it come out right without knowing which ring is which.
    """
    padded = np.pad(mask, 1).astype(np.float64)
    offset = np.array([window[0].start - 1 + 0.5, window[1].start - 1 + 0.5])
    rings = [place.to_mm(contour + offset) for contour in measure.find_contours(padded, 0.5) if len(contour) >= 4]
    polygons = [p for p in map(shapely.Polygon, rings) if p.area > 0]
    if not polygons:
        return shapely.Polygon()
    shape = shapely.make_valid(reduce(shapely.symmetric_difference, polygons))
    if smooth_mm > 0:
        shape = shape.buffer(smooth_mm, quad_segs=4).buffer(-smooth_mm, quad_segs=4)
    shape = shape.simplify(max(0.05, smooth_mm * 0.25))
    parts = [p for p in shapely.get_parts(shape) if isinstance(p, shapely.Polygon) and p.area > 1e-6]
    return shapely.MultiPolygon(parts) if len(parts) > 1 else (parts[0] if parts else shapely.Polygon())
