"""The Train page under AppTest: the form, a real tiny training followed live, the run list."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.app.test_page_latent_map import array
from tests.app_helpers import open_page, plotly_figures
from vae.jobs import queue as run_queue
from vae.runs import store as runs
from vae.runs.catalog import BUNDLED


def no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]


def test_the_form_takes_each_data_sets_defaults(runs_dir):
    at = open_page("train")
    no_exception(at)
    assert at.number_input(key="train_latent_dim").value == 8
    assert at.selectbox(key="train_likelihood").value == "bernoulli"
    assert at.text_input(key="train_hidden_dims").value == "256,128"
    assert at.selectbox(key="train_architecture").options == ["mlp", "conv"]
    at.selectbox(key="train_dataset").set_value("pinwheel").run()
    no_exception(at)
    assert at.number_input(key="train_latent_dim").value == 2
    assert at.selectbox(key="train_likelihood").value == "gaussian"
    assert at.number_input(key="train_epochs").value == 100
    assert at.selectbox(key="train_architecture").options == ["mlp"]  # points: no conv
    # A value a person set stays while the data set stays.
    at.number_input(key="train_latent_dim").set_value(5).run()
    at.number_input(key="train_beta").set_value(2.0).run()
    assert at.number_input(key="train_latent_dim").value == 5
    assert any("No runs yet" in i.value for i in at.info)


def form_widgets(at):
    """Every widget of the form (and the image-size box), by key."""
    kinds = ("text_input", "number_input", "selectbox", "slider", "checkbox")
    found = {}
    for kind in kinds:
        for w in at.get(kind):
            if w.key and w.key.startswith("train_") and w.key not in ("train_name",):
                found[w.key] = w
    return found


def default_of(w):
    p = w.proto
    if w.type == "selectbox":
        return w.options[p.default]
    if w.type == "slider":
        return p.default[0]
    return p.default


def test_a_tab_that_missed_the_run_which_set_the_form_still_gets_its_values(runs_dir):
    """A value set through session state reaches the browser once, in the run that set it;
    a browser that missed that run's messages (a new run cleared them, seen under a class)
    mounts a widget with the widget's own default and sends it back. That default is the
    value the form holds, in every run after the one that set it (vae.app.held)."""
    at = open_page("train")
    first = form_widgets(at)
    assert at.text_input(key="train_hidden_dims").proto.set_value  # sent by Streamlit itself
    assert default_of(first["train_hidden_dims"]) == ""  # no default beside it (no warning)
    at.number_input(key="train_beta").set_value(2.5).run()
    widgets = form_widgets(at)
    assert len(widgets) >= 15, sorted(widgets)
    for key, w in widgets.items():
        assert not w.proto.set_value, key
        assert default_of(w) == w.value, key
    assert at.text_input(key="train_hidden_dims").proto.default == "256,128"
    assert at.number_input(key="train_latent_dim").proto.default == 8
    assert at.number_input(key="train_beta").proto.default == 2.5  # a person's edit too


def test_before_any_run_the_six_panels_are_drawn_without_plotly(runs_dir):
    """Before a run the page shows the live figure's panels as an SVG (a first visit by link
    does not wait for Plotly's code) and has that code fetched after it is drawn."""
    from tests.app.test_preload import chunk_scripts

    at = open_page("train")
    no_exception(at)
    assert plotly_figures(at) == []
    assert any(m.value.startswith("<svg") and "ELBO (nats)" in m.value for m in at.markdown)
    scripts = chunk_scripts(at)
    assert len(scripts) == 1 and "const wait = 0;" in scripts[0]  # the page's last element
    assert "PlotlyChart" in scripts[0] and "NumberInput" in scripts[0]
    last = at.main.children[max(at.main.children)]
    assert "__vaeLabPreload" in str(last.proto)


def test_with_a_run_to_watch_plotly_is_fetched_as_the_run_starts(runs_dir):
    from tests.app.test_preload import chunk_scripts

    shutil.copytree(
        BUNDLED / "digits-2d", runs_dir / "done", ignore=shutil.ignore_patterns("cache")
    )
    at = open_page("train")
    no_exception(at)
    assert len(plotly_figures(at)) >= 2  # the curves and the KL heatmap
    scripts = chunk_scripts(at)
    assert len(scripts) == 1 and "const wait = 0;" in scripts[0]


def test_the_image_size_box_resizes_the_data_and_reaches_the_run(runs_dir, monkeypatch):

    submitted = []

    def fake_submit(settings, name=None):
        submitted.append(settings)
        return runs_dir / "never-started"

    monkeypatch.setattr(run_queue, "submit", fake_submit)
    at = open_page("train")
    assert at.number_input(key="train_image_size").value == 8  # digits are 8×8
    at.button(key="start").click().run()
    assert submitted[-1]["image_size"] is None  # the data's own size is not passed on
    at.number_input(key="train_image_size").set_value(16).run()
    no_exception(at)
    assert any("of 1×16×16" in c.value for c in at.caption)
    at.button(key="start").click().run()
    no_exception(at)
    assert submitted[-1]["image_size"] == 16
    at.selectbox(key="train_dataset").set_value("pinwheel").run()
    no_exception(at)
    assert "train_image_size" not in [w.key for w in at.number_input]  # points have no size


def test_every_control_changes_without_an_exception(runs_dir):
    at = open_page("train")
    changes = [
        ("selectbox", "train_architecture", "conv"), ("number_input", "train_latent_dim", 3),
        ("text_input", "train_hidden_dims", "64, 32"), ("selectbox", "train_likelihood", "gaussian"),
        ("number_input", "train_beta", 4.0), ("selectbox", "train_beta_schedule", "linear"),
        ("slider", "train_warmup_fraction", 0.5), ("selectbox", "train_beta_schedule", "cyclical"),
        ("number_input", "train_n_cycles", 3), ("selectbox", "train_beta_schedule", "capacity"),
        ("number_input", "train_capacity_max", 10.0), ("number_input", "train_free_bits", 0.5),
        ("selectbox", "train_free_bits_mode", "example"), ("slider", "train_input_dropout", 0.15),
        ("slider", "train_latent_dropout", 0.15), ("selectbox", "train_flow", "iaf"),
        ("number_input", "train_flow_length", 6), ("checkbox", "train_conditional", True),
        ("number_input", "train_epochs", 3), ("number_input", "train_batch_size", 32),
        ("number_input", "train_lr", 0.002), ("number_input", "train_seed", 7),
        ("number_input", "train_epoch_size", 512), ("number_input", "train_early_stopping", 2),
        ("number_input", "train_image_size", 12),
        ("selectbox", "train_device", "cpu"), ("selectbox", "train_precision", "fp32"),
        ("text_input", "train_name", "my-run"),
        ("radio", "train_source", "upload"), ("radio", "train_source", "built-in"),
    ]  # fmt: skip
    for kind, key, value in changes:
        getattr(at, kind)(key=key).set_value(value).run()
        no_exception(at)
        assert not at.error, (key, [e.value for e in at.error])
    assert at.checkbox(key="train_conditional").value is True
    assert at.selectbox(key="train_flow").value == "iaf"
    assert at.selectbox(key="train_precision").value == "fp32"


def test_bad_input_gives_one_sentence_and_starts_nothing(runs_dir):
    at = open_page("train")
    at.text_input(key="train_hidden_dims").set_value("lots").run()
    no_exception(at)  # named above Start at once, and Start cannot be pressed
    assert len(at.error) == 1 and "Hidden layer sizes 'lots' are not accepted" in at.error[0].value
    assert at.button(key="start").disabled
    at.text_input(key="train_hidden_dims").set_value("64").run()
    at.text_input(key="train_name").set_value("no/slashes").run()
    at.button(key="start").click().run()
    assert "is not accepted" in at.error[0].value
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_whose_process_died_shows_interrupted_with_its_curves(runs_dir):
    run_dir = runs_dir / "crashed"
    shutil.copytree(BUNDLED / "digits-2d", run_dir, ignore=shutil.ignore_patterns("cache"))
    (run_dir / "summary.json").unlink()
    runs.write_status(run_dir, "running", epoch=60, epochs=80)
    status = json.loads((run_dir / "status").read_text())
    status.update(pid=dead_pid(), host=socket.gethostname())
    (run_dir / "status").write_text(json.dumps(status))
    at = open_page("train")
    no_exception(at)
    assert any("crashed · interrupted" in m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert table["state"].tolist() == ["interrupted"]
    curves, heatmap = plotly_figures(at)[:2]
    epochs = [r["epoch"] for r in runs.read_metrics(run_dir, "epoch")]
    test_elbo = [t for t in curves["data"] if t["name"] == "test (epochs)"][0]
    assert len(array(test_elbo["x"])) == len(epochs) == 60
    assert array(heatmap["data"][0]["z"]).shape == (
        2,
        60,
    )  # KL of 2 dims × 60 epochs
    assert at.button(key="resume").label == "Resume"
    # The reconstructions' slider follows the newest kept epoch (a slider per newest epoch)...
    assert at.select_slider(key="train_recon_epoch_60").value == 60
    at.select_slider(key="train_recon_epoch_60").set_value(10).run()
    no_exception(at)
    # ...and stays where the person put it, run after run, until they move it to the end.
    assert at.select_slider(key="train_recon_epoch_pinned").value == 10
    at.run()
    assert at.select_slider(key="train_recon_epoch_pinned").value == 10
    at.select_slider(key="train_recon_epoch_pinned").set_value(60).run()
    assert at.select_slider(key="train_recon_epoch_60").value == 60
    # Without a checkpoint it cannot continue; the page says, in one sentence, that resume
    # starts it again with its settings (issue 13, item 3: no more dead end).
    assert any("starts it again from the beginning" in c.value for c in at.caption)
    # Delete asks first.
    at.button(key="delete").click().run()
    assert any("cannot be undone" in w.value for w in at.warning)
    at.button(key="delete_no").click().run()
    assert run_dir.exists()
    at.button(key="delete").click().run()
    at.button(key="delete_yes").click().run()
    no_exception(at)
    assert not run_dir.exists()
    assert any("No runs yet" in i.value for i in at.info)


@pytest.mark.slow
def test_start_a_tiny_training_and_follow_it_to_the_end(runs_dir):
    at = open_page("train")
    at.number_input(key="train_latent_dim").set_value(3).run()
    at.text_input(key="train_hidden_dims").set_value("32").run()
    at.number_input(key="train_epochs").set_value(2).run()
    at.text_input(key="train_name").set_value("tiny").run()
    at.button(key="start").click().run()
    no_exception(at)
    assert at.text_input(key="train_name").value == ""  # a name is used once
    assert (runs_dir / "tiny" / "launch.json").is_file()
    deadline = time.time() + 120
    while time.time() < deadline:  # run_every does not tick under AppTest
        time.sleep(1.0)
        at.run()
        no_exception(at)
        if runs.read_status(runs_dir / "tiny").get("state") == "completed":
            break
    at.run()
    assert any("tiny · completed" in m.value for m in at.markdown)
    curves, heatmap = plotly_figures(at)[:2]
    test_elbo = [t for t in curves["data"] if t["name"] == "test (epochs)"][0]
    assert len(array(test_elbo["x"])) == 2
    assert array(heatmap["data"][0]["z"]).shape == (3, 2)
    assert [m.value for m in at.metric][0] == "2/2"
    assert len(at.get("image")) == 1  # reconstructions of fixed test examples
    assert at.button(key="resume").label == "Continue"
    # The run can be used on the other pages at once.
    at.button(key="use_run").click().run()
    assert at.session_state["model_name"] == "tiny"
