"""Attribute vectors: difference of means, walks, analogies, probes, named vectors on disk."""

from __future__ import annotations

import numpy as np
import pytest

from vae.analysis import attributes
from vae.errors import ConfigError
from vae.runs.catalog import BUNDLED


def test_the_vector_is_the_difference_of_the_group_means_and_loads_where_they_differ():
    a = np.array([[0.0, 0.0, 1.0], [2.0, 0.0, 1.0]])
    b = np.array([[1.0, 3.0, 1.0]])
    v = attributes.attribute_vector(a, b, source="a", target="b")
    np.testing.assert_allclose(v.array, [0.0, 3.0, 0.0])
    np.testing.assert_allclose(attributes.loadings(v.array), [0.0, 1.0, 0.0])
    np.testing.assert_allclose(attributes.walk(a[0], v.array, [0.0, 1.0])[1], [0.0, 3.0, 1.0])
    np.testing.assert_allclose(attributes.analogy(b[0], a[0], a[1]), [3.0, 3.0, 1.0])
    with pytest.raises(ConfigError, match="non-empty"):
        attributes.attribute_vector(a[:0], b)


def test_a_walk_along_a_class_vector_raises_the_probes_probability_of_that_class():
    rng = np.random.default_rng(0)
    codes = np.concatenate(
        [rng.normal([-2, 0, 0], 0.5, (100, 3)), rng.normal([2, 1, 0], 0.5, (100, 3))]
    )
    labels = np.repeat([0, 1], 100)
    probe = attributes.fit_probe(codes, labels)
    v = attributes.attribute_vector(codes[labels == 0], codes[labels == 1])
    p = probe.probabilities(attributes.walk(codes[0], v.array, np.linspace(0, 1, 5)))[:, 1]
    assert np.all(np.diff(p) > 0) and p[0] < 0.2 and p[-1] > 0.8


def test_named_vectors_are_saved_beside_the_models_cache_never_in_assets():
    model = BUNDLED / "digits-8d"
    v = attributes.attribute_vector(np.zeros((1, 8)), np.ones((1, 8)), name="up")
    path = attributes.save_vector(model, v)
    assert not path.resolve().is_relative_to(BUNDLED.resolve())
    attributes.save_vector(
        model, attributes.AttributeVector(**{**v.__dict__, "direction": (2.0,) * 8})
    )
    kept = attributes.load_vectors(model)
    assert [k.name for k in kept] == ["up"] and kept[0].direction == (2.0,) * 8
    with pytest.raises(ConfigError, match="name"):
        attributes.save_vector(model, attributes.AttributeVector(**{**v.__dict__, "name": " "}))
    path.write_text("{broken")
    assert attributes.load_vectors(model) == []
    path.unlink()
