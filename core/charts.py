"""Charts drawn on the server as SVG, with matplotlib.

Why matplotlib: the best-maintained plotting library for Python; its SVG has no script (the
strict CSP holds), draws text as outlines in DejaVu Sans, which it ships (Romanian ș ț and
Bulgarian Cyrillic render the same in every browser and in WeasyPrint's PDFs, whatever fonts the
reader has), and comes out the same byte for byte for the same figures (no date, a fixed id
salt), so a chart can be cached and compared. pygal was the lighter choice, but its SVG carries a
script element and an inline stylesheet per chart.

Charts are figures of the `matplotlib.figure.Figure` API (no pyplot: no global state, safe in
threads) imported when the first chart is drawn (about a third of a second), not at start-up.
Every chart is an image with a text alternative; pages show the same numbers as a table next to
it. Colours are the Okabe–Ito palette, told apart by people with any common colour-vision
deficiency; bars also carry their numbers.
"""

import functools
import io
import os
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings

# Okabe–Ito: blue, vermillion, bluish green, orange, sky blue, reddish purple, yellow, black.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
TEXT = "#1b1b1b"
GRID = "#d0d0d0"
WIDTH = 7.0  # inches; the SVG scales to its box
ROW = 0.42  # inches per bar of a horizontal chart


# matplotlib is not safe to use from several threads at once (its rcParams are global, its font
# cache is built on first use): a threaded server draws one chart at a time. Charts are cached,
# so this costs little.
_DRAWING = threading.RLock()


def drawing(function):
    """Run the chart function `function` under the drawing lock."""

    @functools.wraps(function)
    def locked(*args, **kwargs):
        with _DRAWING:
            return function(*args, **kwargs)

    return locked


def _figure(height):
    # matplotlib keeps its font cache under MPLCONFIGDIR (else in the home directory, which a
    # server's account may not have): with the platform's other files.
    os.environ.setdefault("MPLCONFIGDIR", str(Path(settings.VAR_DIR) / "matplotlib"))
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    rcParams["svg.hashsalt"] = "consult"
    rcParams["svg.fonttype"] = "path"
    rcParams["font.family"] = "DejaVu Sans"
    rcParams["font.size"] = 10
    rcParams["text.color"] = rcParams["axes.labelcolor"] = TEXT
    rcParams["xtick.color"] = rcParams["ytick.color"] = TEXT
    figure = Figure(figsize=(WIDTH, height), layout="constrained")
    return figure, figure.add_subplot()


def _svg(figure, title, labels, series):
    """The figure as SVG text, with a `<title>` and a `<desc>` that give its numbers in words
    (what a screen reader reads of the image opened on its own; what tests read back)."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    lines = [
        f"{name}: "
        + "; ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
        for name, values in series
    ]
    head = f"<title>{escape(title)}</title><desc>{escape(chr(10).join(lines))}</desc>"
    opening = svg.index(">", svg.index("<svg")) + 1
    return svg[:opening] + head + svg[opening:]


def _tidy(axes, *, grid_axis):
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis=grid_axis, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)


@drawing
def horizontal_bars(labels, series, *, title, xlabel=""):
    """Horizontal bars, one row per label, one bar per series side by side: `series` is a list
    of (name, values) with one value per label. Returns the SVG text. Side effects: none."""
    count = max(len(labels), 1)
    figure, axes = _figure(0.8 + ROW * count * max(len(series), 1) ** 0.5)
    height = 0.8 / max(len(series), 1)
    positions = list(range(len(labels)))
    for index, (name, values) in enumerate(series):
        offsets = [p + (index - (len(series) - 1) / 2) * height for p in positions]
        bars = axes.barh(offsets, values, height=height, label=name, color=PALETTE[index])
        axes.bar_label(bars, padding=3, fontsize=9)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.margins(x=0.12)
    _tidy(axes, grid_axis="x")
    if len(series) > 1:
        axes.legend(loc="lower right", frameon=False)
    return _svg(figure, title, labels, series)


@drawing
def stacked_bars(labels, series, *, title, xlabel=""):
    """Horizontal bars stacked per label (e.g. support, oppose, neutral per paragraph): `series`
    is a list of (name, values). Returns the SVG text. Side effects: none."""
    figure, axes = _figure(1.0 + ROW * max(len(labels), 1))
    positions = list(range(len(labels)))
    left = [0] * len(labels)
    for index, (name, values) in enumerate(series):
        bars = axes.barh(positions, values, left=left, label=name, color=PALETTE[index])
        axes.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center",
                       fontsize=9, color="white")  # fmt: skip
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    _tidy(axes, grid_axis="x")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / max(len(labels), 1)),
                ncols=len(series), frameon=False)  # fmt: skip
    return _svg(figure, title, labels, series)


@drawing
def columns_over_time(labels, values, *, title, ylabel=""):
    """One column per day: `labels` are the days as the page writes them (in its language),
    `values` their counts; at most twelve days are labelled. Returns the SVG text.
    Side effects: none."""
    figure, axes = _figure(3.2)
    positions = list(range(len(labels)))
    axes.bar(positions, values, color=PALETTE[0], width=0.8)
    step = max(1, -(-len(labels) // 12))
    axes.set_xticks(positions[::step], labels[::step], rotation=45, ha="right")
    axes.set_ylabel(ylabel)
    axes.yaxis.get_major_locator().set_params(integer=True)
    _tidy(axes, grid_axis="y")
    return _svg(figure, title, labels, [(ylabel, values)])
