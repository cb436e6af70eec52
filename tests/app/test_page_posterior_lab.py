"""The Posterior & collapse lab under AppTest: q(z|x) with and without a flow, and collapse."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from app_helpers import open_page, plotly_figures

from vae.runs import catalog
from vae.runs.store import read_json


def _ok(at):
    assert not at.exception, [e.message for e in at.exception]


def tab(at, token: str):
    """The page with one of its three tabs open, as a click (or ``?section=``) opens it."""
    from vae.app import posterior_lab

    at.session_state[posterior_lab.SECTION_KEY] = posterior_lab.SECTION_TITLES[token]
    return at.run()


def _ellipse(figure: dict, label: str) -> np.ndarray:
    from base64 import b64decode

    trace = next(t for t in figure["data"] if t.get("name", "").startswith(label))
    xs, ys = trace["x"], trace["y"]
    if isinstance(xs, dict):  # numpy arrays travel base64-encoded
        xs = np.frombuffer(b64decode(xs["bdata"]), dtype=xs["dtype"])
        ys = np.frombuffer(b64decode(ys["bdata"]), dtype=ys["dtype"])
    return np.stack([np.asarray(xs, float), np.asarray(ys, float)], 1)


def test_default_page_draws_both_posteriors_and_the_collapse_pair():
    at = open_page("posterior_lab", "digits-2d")
    figures = plotly_figures(at)
    assert len(figures) == 2  # two posteriors: the other tabs run when opened
    gaps = [m.value for m in at.markdown if "gap KL(q ‖ p(z|x))" in m.value]
    assert len(gaps) == 2
    # The drawn 1σ ellipse is the encoder's: mean ± std of test example 0 under digits-2d.
    model = catalog.load_model(catalog.find_bundled("digits-2d").path)
    data = catalog.dataset_for(catalog.model_info(catalog.find_bundled("digits-2d").path))
    with torch.no_grad():
        q = model.encode(data.test.x[:1])
    mean, std = q.mean[0].numpy(), q.std[0].numpy()
    ring = _ellipse(figures[0], "q(z|x) 1σ")
    assert ring[:, 0].max() == pytest.approx(mean[0] + std[0], abs=1e-3)
    assert ring[:, 1].max() == pytest.approx(mean[1] + std[1], abs=1e-3)
    # The flow model shows its samples.
    assert any(t.get("name", "").startswith("samples of q_K") for t in figures[1]["data"])
    tab(at, "collapse")
    _ok(at)
    # KL bars, activity bars, decoder sensitivity; the two posteriors are not drawn
    assert [f["layout"]["title"]["text"][:8] for f in plotly_figures(at)] == [
        "KL per l",
        "Variance",
        "How much",
    ]
    table = at.dataframe[0].value
    for name, row in zip(["digits-collapse", "digits-cured"], table["active units"], strict=True):
        summary = read_json(catalog.find_bundled(name).path / "summary.json", {})
        assert row == f"{summary['active_units']} / 16"


def test_every_control():
    at = open_page("posterior_lab", "digits-8d")
    _ok(at)
    at.number_input(key="pl_example").set_value(42).run()
    at.radio(key="pl_view").set_value("prior").run()
    _ok(at)
    at.toggle(key="pl_truth").set_value(False).run()
    _ok(at)
    assert not [m for m in at.markdown if "gap KL(q ‖ p(z|x))" in m.value]
    at.selectbox(key="pl_left").set_value("digits-flow").run()
    _ok(at)
    at.selectbox(key="pl_right").set_value("digits-2d").run()
    _ok(at)
    tab(at, "collapse")
    at.selectbox(key="pl_collapse_a").set_value("digits-8d").run()
    at.selectbox(key="pl_collapse_b").set_value("pinwheel-2d").run()
    _ok(at)
    table = at.dataframe[0].value
    assert list(table["active units"]) == ["5 / 8", "2 / 2"]


def test_an_mnist_model_starts_on_the_mnist_models():
    at = open_page("posterior_lab", "mnist-2d")
    _ok(at)
    assert at.selectbox(key="pl_left").value == "mnist-2d"
    assert at.selectbox(key="pl_right").value == "mnist-flow"
    tab(at, "collapse")
    assert [at.selectbox(key=k).value for k in ("pl_collapse_a", "pl_collapse_b")] == [
        "mnist-collapse",
        "mnist-cured",
    ]
    table = at.dataframe[0].value
    for name, row in zip(["mnist-collapse", "mnist-cured"], table["active units"], strict=True):
        summary = read_json(catalog.find_bundled(name).path / "summary.json", {})
        assert row == f"{summary['active_units']} / 16"


def test_the_reconstructions_show_eight_classes_not_eight_zeros():
    # mnist-5k's first test examples are mostly zeros: the lab shows one example per class.
    from vae.app import posterior_lab, shell

    at = open_page("posterior_lab", "mnist-2d")
    _ok(at)
    for name in ("mnist-collapse", "mnist-cured"):
        entry = catalog.find_bundled(name)
        if entry is None:
            continue
        selected = shell.load(entry)
        rows = posterior_lab.collapse_numbers(selected)["shown_rows"]
        classes = selected.data.test.y[rows].tolist()
        assert len(set(classes)) == 8, classes
