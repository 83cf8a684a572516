"""A figure's PNG: cut from the canvas it was laid out on, as ``savefig`` would crop it."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from readiness_analysis.report import html


def _laid_out(outside: bool = False) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(5, 3), dpi=110)
    ax.barh(["een lange themanaam", "visie", "tijd"], [1.0, 2.5, 3.0], color="#33658a")
    ax.set_title("n = 12", loc="right")
    ax.set_xlabel("gemiddelde (1-5)")
    fig.tight_layout()
    if outside:  # beyond the figure's left edge: only savefig's own crop holds it
        ax.text(-0.6, 0.5, "links buiten de figuur", transform=ax.transAxes)
    return fig


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")).astype(int)


def _savefig_tight(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _ink(pixels: np.ndarray) -> tuple[list[int], int]:
    """The extent (first and last row and column) of what is drawn, and its amount."""
    rows, cols = np.nonzero(pixels < 200)
    return [rows.min(), rows.max(), cols.min(), cols.max()], int((255 - pixels).sum())


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_a_laid_out_figure_is_cut_from_its_canvas_as_savefig_crops_it(monkeypatch):
    expected = _pixels(_savefig_tight(_laid_out()))
    drawn = []
    monkeypatch.setattr(html, "_savefig", lambda fig, box: drawn.append(box) or b"")
    got = _pixels(html._tight_png(_laid_out()))
    assert drawn == []  # cut from the canvas: savefig never ran
    assert got.shape == expected.shape
    (extent, ink), (want_extent, want_ink) = _ink(got), _ink(expected)
    assert np.abs(np.subtract(extent, want_extent)).max() <= 1  # at most a pixel's shift
    assert ink == pytest.approx(want_ink, rel=0.03)


def test_a_figure_drawn_beyond_its_edge_is_cropped_by_savefig():
    fig = _laid_out(outside=True)
    expected = _pixels(_savefig_tight(_laid_out(outside=True)))
    got = _pixels(html._tight_png(fig))
    assert got.shape == expected.shape and got.shape[1] > 5 * 110  # wider than the figure
    assert _ink(got)[1] == pytest.approx(_ink(expected)[1], rel=0.03)
