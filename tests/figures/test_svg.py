"""The read-only SVG charts (vae.figures.svg): ticks, colours, marks where their values put them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from vae.figures import svg
from vae.figures.compare import factor_heatmap, kl_bars
from vae.figures.density import ll_bins, ll_histogram, roc_figure

NS = "{http://www.w3.org/2000/svg}"


def parse(drawing: str) -> ET.Element:
    return ET.fromstring(drawing)  # well-formed XML, or this raises


def texts(root: ET.Element, cls: str | None = None) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text") if cls in (None, t.get("class"))]


def marks(root: ET.Element, tag: str = "rect") -> list[ET.Element]:
    """The marks that carry a tooltip (bars, cells), not the colour scale's bands."""
    return [e for e in root.iter(f"{NS}{tag}") if e.find(f"{NS}title") is not None]


def test_round_ticks():
    assert svg.nice_step(10, 5) == 2
    assert svg.nice_step(0.036, 4) == pytest.approx(0.01)
    assert svg.nice_step(7, 5) == 2
    assert svg.nice_step(5, 5) == 1
    assert svg.nice_ticks(2.7) == [0, 1, 2, 3]
    assert svg.nice_ticks(2.45) == [0, 0.5, 1, 1.5, 2, 2.5]
    assert svg.nice_ticks(0.036, 4) == pytest.approx([0, 0.01, 0.02, 0.03, 0.04])
    assert svg.nice_ticks(0.0) == [0.0, 1.0] and svg.nice_ticks(float("nan")) == [0.0, 1.0]
    assert svg.ticks_within(-33.2, -14.1, 6) == [-30, -25, -20, -15]
    assert svg.ticks_within(0, 1, 5) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])


def test_viridis_ends_steps_and_clipping():
    assert svg.viridis(0.0) == "#440154" and svg.viridis(1.0) == "#fde725"
    assert svg.viridis(1 / 9) == "#482878"  # the second of the ten steps, exactly
    assert svg.viridis(-3.0) == "#440154" and svg.viridis(7.0) == "#fde725"
    # half way between the first two steps: each channel the mean of theirs
    mid = svg.viridis(1 / 18)
    channels = [int(mid[k : k + 2], 16) for k in (1, 3, 5)]
    assert np.abs(np.subtract(channels, [0x46, 20.5, 0x66])).max() <= 0.5
    assert svg.viridis(5.0, 0.0, 10.0) == svg.viridis(0.5)


def test_frame_maps_data_to_pixels():
    f = svg.Frame(400, 300, 50, 10, 20, 30, x_lo=-1.0, x_hi=1.0, y_lo=0.0, y_hi=10.0)
    assert f.x(-1.0) == 50 and f.x(1.0) == 390 and f.x(0.0) == 220
    assert f.y(0.0) == 270 and f.y(10.0) == 20 and f.y(5.0) == 145


def test_bars_stand_in_proportion_and_say_their_values():
    root = parse(svg.bar_chart(["a", "b", "c"], [2.0, 1.0, 0.0], ["#111111"] * 3,
                               ["a: 2", "b: 1", "c: 0"], "KL (nats)"))  # fmt: skip
    bars = marks(root)
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1], abs=0.11) and heights[2] == 0
    assert [b.find(f"{NS}title").text for b in bars] == ["a: 2", "b: 1", "c: 0"]
    assert texts(root, "x-label") == ["a", "b", "c"]
    # every bar stands on the same baseline
    assert len({round(float(b.get("y")) + float(b.get("height")), 1) for b in bars}) == 1


def test_text_is_escaped_and_crowded_labels_are_thinned():
    evil = '<script>alert("x")</script> & co'
    root = parse(svg.bar_chart([evil], [1.0], ["#111111"], [evil], evil))
    assert evil in texts(root) and marks(root)[0].find(f"{NS}title").text == evil
    assert "<script" not in svg.bar_chart([evil], [1.0], ["#111111"], [evil], evil)
    many = [f"z{d}" for d in range(64)]
    root = parse(svg.bar_chart(many, [1.0] * 64, ["#111111"] * 64, many, "KL"))
    shown = texts(root, "x-label")
    assert 4 < len(shown) < 64 and shown[0] == "z0" and len(marks(root)) == 64


def test_heatmap_cells_take_their_colour_and_print_their_value():
    m = [[0.0, 1.0], [0.25, 0.5]]
    tips = [["a0", "a1"], ["b0", "b1"]]
    root = parse(svg.heatmap(m, ["shape", "scale"], ["z3", "z1"], tips, scale_title="I/H"))
    cells = marks(root)
    assert [c.get("fill") for c in cells] == [svg.viridis(v) for row in m for v in row]
    assert [c.find(f"{NS}title").text for c in cells] == ["a0", "a1", "b0", "b1"]
    assert texts(root, "row-label") == ["shape", "scale"]
    assert texts(root, "col-label") == ["z3", "z1"]
    assert {"0.00", "1.00", "0.25", "0.50"} <= set(texts(root))


def test_polyline_thins_long_lines_and_keeps_their_ends():
    f = svg.Frame(100, 100, 0, 0, 0, 0)
    xs = np.linspace(0, 1, 1001)
    line = parse(svg.polyline(f, xs, xs, "#000000", "diag", most=100))
    points = line.get("points").split()
    assert len(points) == 100
    assert points[0] == "0.0,100.0" and points[-1] == "100.0,0.0"


def test_kl_bars_largest_first_inactive_grey():
    root = parse(kl_bars([0.5, 3.0, 0.001], [True, True, False]))
    assert texts(root, "x-label") == ["z1", "z0", "z2"]
    bars = marks(root)
    assert [b.find(f"{NS}title").text for b in bars] == [
        "z1: 3.000 nats", "z0: 0.500 nats", "z2: 0.001 nats (inactive)",
    ]  # fmt: skip
    assert bars[2].get("fill") == "#c7c7c7" and bars[0].get("fill") == "#1f77b4"


def test_factor_heatmap_orders_columns_and_names_what_each_holds():
    m = np.array([[0.1, 0.9], [0.7, 0.0]])
    root = parse(factor_heatmap(m, ["shape", "pos_x"], [1, 0], ["pos_x", None]))
    assert texts(root, "row-label") == ["shape", "pos_x"] and texts(root, "col-label") == [
        "z1",
        "z0",
    ]
    first = marks(root)[0].find(f"{NS}title").text
    assert first == "shape × z1 (holds inactive): 0.900 of the factor's entropy"


def test_histogram_shares_sum_to_one_and_the_marker_is_drawn():
    rng = np.random.default_rng(0)
    test, other = rng.normal(-100, 10, 500), rng.normal(-120, 10, 300)
    h = ll_bins({"test set": test, "other": other})
    assert len(h.edges) == 151 and not h.cut
    for shares in h.shares.values():
        assert shares.sum() == pytest.approx(1.0)
    root = parse(ll_histogram({"test set": test, "other": other}, marker=-90.0))
    assert texts(root, "legend") == ["test set", "other"]
    assert texts(root, "marker") == ["upload"]
    line = next(e for e in root.iter(f"{NS}line") if e.find(f"{NS}title") is not None)
    assert line.find(f"{NS}title").text == "your input: -90.0 nats"
    # every bar's top is its share on the axis: the tallest test bar under the top tick
    bars = [b for b in marks(root) if b.find(f"{NS}title").text.startswith("test set")]
    assert len(bars) == int((h.shares["test set"] > 0).sum())


def test_roc_names_each_set_with_its_auroc():
    fpr = np.array([0.0, 0.5, 1.0])
    root = parse(roc_figure({"noise": (fpr, np.array([0.0, 1.0, 1.0]), 0.875)}))
    assert texts(root, "legend") == ["chance", "noise (AUROC 0.875)"]
    lines = root.findall(f"{NS}polyline")
    assert [ln.find(f"{NS}title").text for ln in lines] == [
        "chance: AUROC 0.5",
        "noise (AUROC 0.875)",
    ]


def test_dots_draw_every_point_in_one_element():
    f = svg.Frame(100, 100, 0, 0, 0, 0)
    drawn = svg.dots(f, [0.0, 0.5, 1.0], [0.0, 0.5, 1.0], "#123456", "class 3")
    path = parse(f'<svg xmlns="http://www.w3.org/2000/svg">{drawn}</svg>')[0]
    assert path.get("d") == "M0.0 100.0h0M50.0 50.0h0M100.0 0.0h0"
    assert path.get("stroke-linecap") == "round" and path.find(f"{NS}title").text == "class 3"


def test_the_path_map_shows_each_class_the_frames_and_both_ends():
    from vae.figures.interpolate import latent_path

    rng = np.random.default_rng(0)
    points, labels = rng.normal(size=(300, 2)), np.repeat([0, 1, 2], 100)
    path = np.linspace([-1.0, -1.0], [1.0, 1.0], 7)
    root = parse(latent_path(points, path, labels, ["zero", "one", "two"]))
    assert texts(root, "legend") == ["zero", "one", "two", "path"]
    classes = [p for p in root.findall(f"{NS}path") if p.get("d", "").endswith("h0")]
    assert [c.find(f"{NS}title").text for c in classes] == ["zero", "one", "two"]
    assert [c.get("d").count("M") for c in classes] == [100, 100, 100]
    frames = [c.find(f"{NS}title").text for c in root.iter(f"{NS}circle")]
    assert frames == [f"frame {i}" for i in range(7)]
    assert texts(root, "end") == ["A", "B"]
    unlabelled = parse(latent_path(points, path))
    assert texts(unlabelled, "legend") == ["test examples", "path"]


def test_every_drawing_is_one_html_block_for_markdown():
    """The open tag ends its line and no line is blank: Markdown (st.markdown shows these) then
    passes the drawing through as one HTML block. On one line it read the texts as Markdown:
    a class named ``a*b*c`` was drawn as "a" (in Chromium, before this)."""
    from vae.figures.interpolate import latent_path

    points, path = np.zeros((4, 2)), np.array([[0.0, 0.0], [1.0, 1.0]])
    drawings = [
        latent_path(points, path, np.array([0, 0, 1, 1]), ["a*b*c", "[x](y)"]),
        kl_bars([1.0, 2.0]),
        factor_heatmap(np.eye(2), ["*star*", "__bold__"]),
        ll_histogram({"test set": np.arange(10.0)}),
        roc_figure({"noise": (np.array([0.0, 1.0]), np.array([0.0, 1.0]), 0.5)}),
    ]
    for drawing in drawings:
        first, rest = drawing.split("\n", 1)
        assert first.startswith("<svg") and first.endswith(">") and first.count("<") == 1
        assert "\n\n" not in drawing and rest.strip()
    assert "a*b*c" in texts(parse(drawings[0]), "legend")
