"""The latent map over training: one projection for every frame, the last one the final map."""

from __future__ import annotations

import numpy as np
import pytest

from tests.app.test_page_latent_map import array
from tests.app_helpers import open_page, plotly_figures
from vae.errors import ConfigError
from vae.maps import movie as map_movie
from vae.maps import projection
from vae.model.evaluation import encode_means
from vae.runs import code_history
from vae.runs.catalog import BUNDLED, load_model
from vae.training.configs import configs_for
from vae.training.train import train

TINY = {"dataset": "digits", "hidden_dims": (32,), "latent_dim": 3, "epochs": 3, "seed": 0}


@pytest.fixture
def run(runs_dir):
    model_config, train_config, data = configs_for(TINY)
    path = runs_dir / "movie-run"
    train(model_config, train_config, path, data=data)
    return path, data


def final_codes(path, data) -> np.ndarray:
    return encode_means(load_model(path), data.test.x[: code_history.N_POINTS]).numpy()


def test_the_last_frame_is_the_final_pca_map_and_every_frame_uses_its_axes(run):
    path, data = run
    final = final_codes(path, data)
    movie = map_movie.load(path, final, "pca")
    assert movie.epochs.tolist() == [0, 1, 2, 3]
    assert movie.xy.shape == (4, len(data.test), 2)
    # codes are kept as float16: the last frame matches the map to that precision
    np.testing.assert_allclose(movie.xy[-1], projection.project(final, "pca"), atol=2e-3)
    assert not np.allclose(movie.xy[0], movie.xy[-1], atol=1e-2), "training moved the codes"
    mean, axes = projection.pca_axes(final)
    _, codes = code_history.read(path)
    np.testing.assert_allclose(movie.xy[1], (codes[1] - mean) @ axes.T, atol=1e-4)
    assert movie.kl_epochs.tolist() == [1, 2, 3] and movie.kl_per_dim.shape == (3, 3)
    with pytest.raises(ConfigError, match="projection must be pca"):
        map_movie.load(path, final, "umap")


def opened_movie(at):
    """The Latent map with its "map over training" section open, as a click opens it."""
    from vae.app import map_history

    at.session_state[map_history.SECTION_KEY] = True
    return at.run()


def test_the_page_plays_the_run_and_its_frames_end_on_the_final_map(run):
    path, data = run
    at = opened_movie(open_page("latent_map", "movie-run"))
    movies = [f for f in plotly_figures(at) if f.get("frames")]
    assert len(movies) == 1
    fig = movies[0]
    assert [fr["name"] for fr in fig["frames"]] == ["0", "1", "2", "3"]
    slider = fig["layout"]["sliders"][0]
    assert slider["active"] == 3 and [s["label"] for s in slider["steps"]] == ["0", "1", "2", "3"]
    assert [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]] == [
        "▶ Play",
        "Pause",
    ]
    assert any(t["type"] == "heatmap" for t in fig["data"]), "the KL heat map is beside it"
    # The figure as first drawn is its last frame: the final map, one trace per class.
    points = [t for t in fig["data"] if t["type"] == "scatter" and t.get("mode") == "markers"]
    assert [t["name"] for t in points] == [str(d) for d in range(10)]
    last = fig["frames"][-1]["data"]
    for trace, frame_trace in zip(points, last, strict=False):
        np.testing.assert_array_equal(array(trace["x"]), array(frame_trace["x"]))


def test_a_model_trained_before_histories_says_so(monkeypatch):
    # Every bundle keeps its history now (issue 27); a run from before VAE Lab kept them has none.
    from vae.app import map_history

    monkeypatch.setattr(map_history, "movie", lambda selected, method: None)
    at = opened_movie(open_page("latent_map", "digits-8d"))
    assert any("no codes kept over training" in i.value for i in at.info)


def test_every_bundled_model_has_its_map_over_training():
    missing = [p.name for p in sorted(BUNDLED.iterdir())
               if (p / "model.safetensors").is_file() and code_history.read(p) is None]  # fmt: skip
    assert missing == []
