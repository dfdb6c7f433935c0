"""inspect --plot: real charts (matplotlib) with axis titles, and log scales for long tails."""

from __future__ import annotations

import pytest

from mmcorpus.tools.inspect import long_tailed, plot_histogram


def test_long_tails_get_log_scales_and_others_do_not():
    assert long_tailed([10, 11, 12, 13, 5000])  # one outlier would flatten a linear chart
    assert not long_tailed([10, 11, 12, 13, 40])
    assert not long_tailed([0, 1, 1000])  # zero cannot go on a log axis


def test_chart_has_titles_ticks_and_log_axes(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    seen = {}
    real_savefig = plt.Figure.savefig

    def spy(fig, path, **kw):
        ax = fig.axes[0]
        seen.update(x=ax.get_xlabel(), y=ax.get_ylabel(), xscale=ax.get_xscale(), yscale=ax.get_yscale(),
                    ticks=len(ax.get_yticks()), title=ax.get_title())
        return real_savefig(fig, path, **kw)

    monkeypatch.setattr(plt.Figure, "savefig", spy)
    path = tmp_path / "c.png"
    plot_histogram([100 + i for i in range(200)] + [250_000], "text: text_chars", str(path), xlabel="text_chars",
                   ylabel="documents")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert seen["x"] == "text_chars" and seen["y"] == "documents" and seen["ticks"] >= 2
    assert seen["xscale"] == seen["yscale"] == "log" and "log scales" in seen["title"] and "n=201" in seen["title"]
