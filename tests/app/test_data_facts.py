"""The Train page's precomputed data-set facts (assets/datasets.json) against the data sets."""

from __future__ import annotations

import json

from vae.app import data_facts
from vae.data import BUILTIN_DATASETS, load_dataset


def test_the_manifest_says_what_the_data_sets_are():
    """Every entry is what loading the set gives today; regenerate it with
    ``python -m vae.app.data_facts --write`` after changing a data set or a default."""
    stored = json.loads(data_facts.MANIFEST.read_text(encoding="utf-8"))
    assert stored == data_facts.build()
    assert list(stored["descriptions"]) == list(BUILTIN_DATASETS)  # the registry's order
    # Those whose files are the user's are loaded when chosen; the rest are all there.
    assert {"mnist", "fashion-mnist", "dsprites"}.isdisjoint(stored["facts"])
    assert {"digits", "mnist-5k", "shapes", "pinwheel", "sentences", "notes"} <= set(
        stored["facts"]
    )


def test_stored_facts_read_as_the_loaded_data_set():
    facts = data_facts.stored("digits")
    data = load_dataset("digits")
    assert facts.input_shape == tuple(data.input_shape) == (1, 8, 8)
    assert (facts.n_train, facts.n_test, facts.n_classes) == (len(data.train), len(data.test), 10)
    assert facts.is_image and facts.native_size == 8 and facts.defaults["image_size"] == 8
    text = data_facts.stored("sentences")
    assert text.native_size is None and text.tokenisation == "word" and text.vocabulary_size > 1000
    assert data_facts.stored("mnist") is None and data_facts.stored("no-such-set") is None
    assert data_facts.descriptions()["digits"] == BUILTIN_DATASETS["digits"]
    # A loaded set's facts are the same as the stored ones (the page's other path).
    assert data_facts.of("digits", data) == facts
