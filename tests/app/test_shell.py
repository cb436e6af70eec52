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
