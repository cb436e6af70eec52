"""Every page with a text model under AppTest: it works with sentences or says why not."""

from __future__ import annotations

import pytest

from tests.app_helpers import assert_ok, open_app, plotly_figures

COLLAPSED, CURED = "sentences-collapse", "sentences-cured"


def _table(at, column: str):
    """The first table on the page with this column."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _texts(at) -> str:
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def test_interpolate_decodes_the_sliders_and_the_path_to_sentences():
    at = open_app("interpolate", CURED)
    text = _texts(at)
    assert "decoded from the sliders (greedy):" in text and "beam search (5 beams):" in text
    assert "A → B in 10 steps" in text
    tables = at.dataframe
    assert tables, "the traversal is a table of decoded sentences"
    traversal = tables[-1].value
    assert traversal.shape[1] == 9 and traversal.index[0].startswith("z")
    # A typed sentence is a start: its reconstruction is decoded from its code.
    at.radio(key="interp_source").set_value("Your sentence").run()
    at.text_input(key="interp_typed").set_value("he paid all his bills by check").run()
    assert_ok(at)
    assert "**your sentence:** he paid all his bills by check" in _texts(at)


def test_a_typed_sentence_of_unknown_words_is_read_as_unk_and_said_so():
    at = open_app("interpolate", CURED)
    at.radio(key="interp_source").set_value("Your sentence").run()
    at.text_input(key="interp_typed").set_value("zyzzyva qwxz").run()
    assert_ok(at)
    assert any("Read as <unk>" in c.value and "zyzzyva" in c.value for c in at.caption)
    at.text_input(key="interp_typed").set_value("   ").run()
    assert any("the text is empty" in e.value for e in at.error)


def test_density_lists_sentences_and_scores_shuffled_words_lower():
    at = open_app("density", CURED, {"k": "10", "ood": "words-shuffled"})
    assert_ok(at)
    assert any("Least likely" in s.value for s in at.subheader)
    table = _table(at, "AUROC vs test set")
    auroc = float(table["AUROC vs test set"].iloc[0])
    assert auroc > 0.6  # word order matters to a model of sentences
    assert any("Your sentence scores" in m.value for m in at.markdown)


def test_denoise_masks_words_and_restores_them_better_than_the_damage():
    at = open_app("denoise", CURED)
    rows = at.dataframe[0].value
    assert list(rows[""]) == ["original", "damaged", "reconstruction", "fill the masks"]
    assert "<unk>" in rows["sentence"].iloc[1]
    scores = at.dataframe[1].value.set_index("")["word accuracy (%)"]
    assert scores["fill the masks"] > scores["damaged input"]


def test_the_posterior_lab_puts_the_collapsed_and_cured_sentence_models_side_by_side():
    at = open_app("posterior_lab", COLLAPSED, {"section": "collapse"})  # the tab, by a link
    assert_ok(at)
    table = _table(at, "active units")
    assert list(table["model"]) == [
        "Sentences, plain VAE (collapses)",
        "Sentences, VAE + annealing, word dropout, free bits",
    ]
    kl = list(table["KL"])
    assert kl[0] < 0.5 <= 3.0 <= kl[1]
    samples, cured = [d.value.iloc[:, 0] for d in at.dataframe
                      if "decoded from z ~ N(0, I)" in d.value.columns]  # fmt: skip
    assert samples.nunique() <= 2 < cured.nunique()  # z ignored: (almost) one sentence


def test_the_chunk_autoencoders_noise_curves_are_on_the_posterior_lab():
    at = open_app("posterior_lab", CURED, {"section": "calm"})
    figures = [f for f in plotly_figures(at) if "pushed by noise" in str(f["layout"]["title"])]
    assert len(figures) == 1 and len(figures[0]["data"]) == 6
    table = _table(at, "accuracy at the posterior scale (%)").set_index("model")
    calm = table.loc["Chunks, CALM: KL clamp + double dropout"]
    assert calm["accuracy at the posterior scale (%)"] >= 99.0


@pytest.mark.parametrize("page", ["latent_map", "conditional", "beta_comparison", "train"])
def test_the_other_pages_work_with_a_text_model_or_say_why_not(page):
    at = open_app(page, CURED)
    if page == "conditional":  # says so and shows the bundled conditional image model
        assert any("is not conditional" in i.value for i in at.info)
    if page == "latent_map":
        hovers = [t.get("hovertemplate", "") for f in plotly_figures(at) for t in f["data"]]
        assert hovers
