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
