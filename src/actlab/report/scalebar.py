"""A colour scale drawn inside the panel it explains, to the right of the image, instead of a
matplotlib colorbar in an axes of its own.

The heat maps have a scale per panel (18 in the default run). As colorbars those were 18 more
axes, each with its own axis objects, locators and tick objects: 45% of the figure's drawing
time. Here a scale is one image, one outline, one set of tick marks, its tick labels and the
extension triangles, placed in the panel's axes coordinates, with the same ticks a colorbar
would choose (MaxNLocator, or decades on a log scale).
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.image import BboxImage
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import LogLocator, MaxNLocator
from matplotlib.transforms import Bbox, TransformedBbox

STEPS = 256  # colours along the bar
TICK = 0.25  # tick mark length, in bar widths
EXTEND = 0.06  # an extension triangle's height, as a fraction of the bar's (a colorbar's 0.05)


def scale_ticks(norm) -> tuple[np.ndarray, list[str]]:
    """The tick values of the scale and their labels: powers of ten on a log scale (1, 2, 5
    times them when the scale spans less than a decade and a half), else about 5 round
    values."""
    lo, hi = float(norm.vmin), float(norm.vmax)
    if isinstance(norm, LogNorm):
        values = LogLocator().tick_values(lo, hi)
        values = values[(values >= lo * (1 - 1e-9)) & (values <= hi * (1 + 1e-9))]
        if len(values) < 2:
            values = LogLocator(subs=(1.0, 2.0, 5.0)).tick_values(lo, hi)
            values = values[(values >= lo * (1 - 1e-9)) & (values <= hi * (1 + 1e-9))]
        return values, [f"{v:g}" for v in values]  # 0.05, 1, 1e-05: plain text
    values = MaxNLocator(nbins=5).tick_values(lo, hi)
    values = values[(values >= lo - 1e-12 * abs(hi - lo)) & (values <= hi + 1e-12 * abs(hi - lo))]
    return values, _linear_labels(values)


def _linear_labels(values: np.ndarray) -> list[str]:
    """The fewest decimals that write every tick exactly (0.0005, 1.5); 3 significant digits
    for very large or very small scales."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    if top >= 1e5 or 0 < top < 1e-3:
        return [f"{v:.3g}" for v in values]
    for digits in range(7):
        if np.allclose(np.round(values, digits), values, rtol=0, atol=1e-9 * max(top, 1e-12)):
            return [f"{v:.{digits}f}" for v in values]
    return [f"{v:.3g}" for v in values]


def draw_scale(ax, norm, cmap, extend="neither", label="", x0=1.02, width=0.03, fontsize=7):
    """Draw the scale of ``norm`` / ``cmap`` in ``ax`` from x0 to x0 + width (axes fraction,
    the full height of the axes); ``extend``: 'neither', 'min', 'max' or 'both' (triangles in
    the colours for values below / above the scale); ``label`` beside the tick labels."""
    trans = ax.transAxes
    fraction = np.linspace(0.0, 1.0, STEPS)
    if isinstance(norm, LogNorm):
        values = norm.vmin * (norm.vmax / norm.vmin) ** fraction
    else:
        values = norm.vmin + (norm.vmax - norm.vmin) * fraction
    colours = cmap(norm(values))[::-1, None, :]  # top row first: the largest value on top
    image = BboxImage(
        TransformedBbox(Bbox([[x0, 0.0], [x0 + width, 1.0]]), trans),
        interpolation="nearest",
        clip_on=False,
    )
    image.set_data(colours)
    ax.add_artist(image)
    for end, wanted in ((0.0, ("min", "both")), (1.0, ("max", "both"))):
        if extend in wanted:
            tip = -EXTEND if end == 0.0 else 1.0 + EXTEND
            colour = cmap(-np.inf if end == 0.0 else np.inf)  # under / over
            ax.add_patch(
                Polygon(
                    [(x0, end), (x0 + width, end), (x0 + width / 2, tip)],
                    closed=True,
                    facecolor=colour,
                    edgecolor="black",
                    lw=0.6,
                    transform=trans,
                    clip_on=False,
                )
            )
    ax.add_patch(
        Rectangle(
            (x0, 0.0), width, 1.0, fill=False, lw=0.6, ec="black", transform=trans, clip_on=False
        )
    )
    ticks, labels = scale_ticks(norm)
    where = np.asarray(norm(ticks), dtype=float)
    end = x0 + width
    ax.add_collection(
        LineCollection(
            [[(end, y), (end + TICK * width, y)] for y in where],
            colors="black",
            linewidths=0.6,
            transform=trans,
            clip_on=False,
        ),
        autolim=False,
    )
    for y, text in zip(where, labels):
        ax.text(
            end + 1.8 * TICK * width,
            y,
            text,
            transform=trans,
            fontsize=fontsize,
            va="center",
            ha="left",
            clip_on=False,
        )
    if label:  # beside the longest tick label (a character is about 0.6 em wide)
        longest = max((len(t) for t in labels), default=0)
        inches = ax.get_position().width * ax.figure.get_figwidth()
        char = 0.6 * fontsize / 72 / inches
        ax.text(
            end + 1.8 * TICK * width + (longest + 0.5) * char,
            0.5,
            label,
            transform=trans,
            fontsize=fontsize + 1,
            rotation=90,
            va="center",
            ha="left",
            clip_on=False,
        )
