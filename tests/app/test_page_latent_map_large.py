"""The Latent map's larger sample under AppTest: every point drawn, the gallery names its split."""

from __future__ import annotations

import numpy as np

from tests.app.test_page_latent_map import array, map_figure, point_traces, select
from tests.app_helpers import open_page
from vae.app import large_map as large_glue
from vae.app import latent_map as glue
from vae.maps import large as large_map
from vae.runs.catalog import BUNDLED, dataset_for, model_info

N_TEST = 360  # digits' test split; the sample adds its 1,437 training digits


def test_the_larger_sample_maps_test_and_training_examples_and_the_gallery_names_them():
    at = open_page("latent_map", "digits-2d")
    at.radio(key=large_glue.POINTS_KEY).set_value(large_glue.SAMPLE).run()
    assert not at.exception, [e.message for e in at.exception]
    data = dataset_for(model_info(BUNDLED / "digits-2d"))
    total = N_TEST + len(data.train)
    ids = np.concatenate([array(t["customdata"]) for t in point_traces(map_figure(at))])
    assert sorted(ids.tolist()) == list(range(total))
    assert glue.LOG_LIKELIHOOD not in at.selectbox(key="map_colour").options
    train_index = large_map.make_sample(data, seed=large_glue.SEED).train_index
    select(at, [3, N_TEST + 2])
    assert not at.exception, [e.message for e in at.exception]
    assert any("2 selected examples" in m.value for m in at.markdown)
    named = [c.value for c in at.caption if c.value.startswith("In order:")]
    assert named == [f"In order: test #3, train #{int(train_index[2]):,}"]
    # Recolouring by KL colours every point by its own KL, training points included.
    option = next(o for o in at.selectbox(key="map_colour").options if o.startswith("KL"))
    at.selectbox(key="map_colour").set_value(option).run()
    trace = point_traces(map_figure(at))[0]
    assert len(array(trace["marker"]["color"])) == total
    assert any("2 selected examples" in m.value for m in at.markdown)
    # Back to the test split: the same ids name the same test examples.
    at.radio(key=large_glue.POINTS_KEY).set_value(large_glue.TEST_SPLIT).run()
    assert not at.exception, [e.message for e in at.exception]
    assert sum(len(array(t["x"])) for t in point_traces(map_figure(at))) <= N_TEST
