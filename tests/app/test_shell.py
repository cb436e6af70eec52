"""The shell under AppTest: a link's ?model=NAME opens that model; an unknown one says so."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app_helpers import ROOT, TIMEOUT
from vae.app.shell import MODEL_KEY


def open_link(model: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["model"] = model
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_link_opens_the_model_it_names():
    at = open_link("digits-cvae")
    assert at.session_state[MODEL_KEY] == "digits-cvae"
    assert at.query_params["model"] == "digits-cvae"


def test_a_link_to_a_missing_model_says_so_and_opens_the_default():
    at = open_link("no-such-model")
    assert at.session_state[MODEL_KEY] == "mnist-2d"  # the default: 28×28 MNIST, 2-D latent
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "no model named “no-such-model”" in warning and warning.count(".") == 1
    # The address now names what is shown, so a copied link is truthful.
    assert at.query_params["model"] == "mnist-2d"


def test_the_picker_defaults_to_the_model_it_holds_after_the_run_that_set_it():
    """A link's model is set through session state, which reaches the browser once; a browser
    that missed that run's messages mounts the picker at its own default and sends it back.
    In every later run that default is the model shown, not the first in the list."""
    at = open_link("digits-cvae")
    picker = at.sidebar.selectbox(key=MODEL_KEY)
    assert picker.proto.set_value and picker.proto.default == 0  # this run: Streamlit sends it
    at.run()
    picker = at.sidebar.selectbox(key=MODEL_KEY)
    assert not picker.proto.set_value
    assert picker.value == "digits-cvae"
    assert picker.proto.default == picker.index != 0  # index 0, its own default, is another


def test_choosing_a_model_updates_the_address():
    at = open_link("digits-8d")
    at.sidebar.selectbox(key=MODEL_KEY).set_value("pinwheel-2d").run()
    assert at.query_params["model"] == "pinwheel-2d"


def test_an_error_shows_names_letter_for_letter():
    from vae.app.shell import plain

    # Markdown would show "_uploads" in italics as "uploads" (issue 13, item 7).
    assert plain("runs/_uploads/a*b*.npz") == "runs/\\_uploads/a\\*b\\*.npz"


def test_a_crafted_or_huge_link_is_shown_letter_for_letter_and_cut():
    """Issue 24: ?model= text was rendered as markdown (an outside image and a link on the page)
    and a 50,000-character value was shown whole."""
    crafted = "![x](http://example.invalid/x.png)[click](http://example.invalid) *bold*"
    (warning,) = [w.value for w in open_link(crafted).sidebar.warning]
    assert "![x](" not in warning and "[click](" not in warning and "*bold*" not in warning
    assert r"!\[x\](http://example.invalid/x.png)\[click\]" in warning  # escaped, still readable
    (warning,) = [w.value for w in open_link("a" * 50_000).sidebar.warning]
    assert "a" * 80 + "…" in warning and len(warning) < 300


def card(at: AppTest) -> str:
    return at.sidebar.markdown[0].value


def test_homes_card_is_read_from_the_models_files():
    # Home loads no model (it is drawn before torch is imported): the card comes from
    # config.json and summary.json, and says what the loaded model's card said.
    assert "conditional (10 classes)" in card(open_link("digits-cvae"))
    assert "flow: planar×8" in card(open_link("digits-flow"))
    tcvae = card(open_link("shapes-tcvae"))
    assert "β-TCVAE" in tcvae and "TC weight" in tcvae and "MIG **" in tcvae
    plain = card(open_link("digits-2d"))
    assert "flow: none" in plain and "z=2" in plain and "test ELBO **" in plain


def test_a_model_whose_weights_are_broken_is_reported_by_the_page_that_loads_it(
    tmp_path, monkeypatch
):
    import shutil

    from vae.runs import catalog

    folder = tmp_path / "models" / "broken-2d"
    shutil.copytree(catalog.BUNDLED / "digits-2d", folder)
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    monkeypatch.setattr(catalog, "BUNDLED", tmp_path / "models")
    home = open_link("broken-2d")
    assert "z=2" in card(home)  # Home shows the card: its files are readable
    at = AppTest.from_file(str(ROOT / "pages" / "interpolate.py"), default_timeout=TIMEOUT)
    at.session_state[MODEL_KEY] = "broken-2d"
    at.run()
    assert not at.exception
    assert any("broken-2d" in e.value for e in at.error), [e.value for e in at.error]


def test_pages_run_torch_on_the_servers_thread_count():
    import torch

    from vae import threads
    from vae.app import shell

    shell.prepare_pages()
    assert torch.get_num_threads() == threads.interactive_threads()


def test_home_shows_the_elbo_with_both_terms_named_and_no_katex():
    at = open_link("digits-2d")
    (formula,) = [m.value for m in at.markdown if 'role="math"' in m.value]
    assert "ELBO(<i>x</i>) = " in formula
    assert ">reconstruction</span>" in formula and ">rate</span>" in formula
    assert formula.index("reconstruction") < formula.index("<i>β</i>") < formula.index(">rate<")
    assert not at.get("latex")  # KaTeX's code and fonts are not fetched for the first page
