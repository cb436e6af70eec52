"""β & objectives in a real browser on the bundled shapes objectives: a factor × dimension heat
map per model (SVG, its values in tooltips), traversal rows named by the factor they move, the metrics with their ±."""

from __future__ import annotations

import re

import pytest

from tests.browser.pw import no_exception, tall_screenshot, wait_idle
from vae.runs.catalog import BUNDLED

MODELS = ["shapes-beta4", "shapes-tcvae", "shapes-factorvae", "shapes-dipvae"]


def test_the_objectives_side_by_side_show_what_each_dimension_holds(page, app_url):
    missing = [m for m in MODELS if not (BUNDLED / m / "summary.json").is_file()]
    if missing:
        pytest.fail(f"bundled models missing: {missing}")
    page.goto(f"{app_url}/beta_comparison?runs={','.join(MODELS)}", timeout=120_000)
    page.wait_for_selector(".st-key-model_name", timeout=120_000)
    wait_idle(page)
    no_exception(page)
    for name in MODELS:
        heat = page.locator(f".st-key-cmp_factors_{name} svg.vae-heatmap")
        heat.wait_for(timeout=120_000)
        # the heat map's rows are the data's factors; each cell says its value on hover
        rows = heat.locator("text.row-label").all_text_contents()
        assert rows == ["shape", "scale", "orientation", "pos_x", "pos_y"], rows
        tips = heat.locator("rect > title").all_text_contents()
        assert len(tips) == 5 * 10 and all("of the factor's entropy" in t for t in tips), tips[:3]
        assert page.locator(f".st-key-cmp_kl_{name} svg.vae-bars rect > title").count() == 10
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0, "no Plotly until opened"
    captions = page.get_by_text(re.compile(r"^rows, top to bottom:")).all_inner_texts()
    assert len(captions) == len(MODELS)
    named = [re.findall(r"z\d+: (\w+)", c) for c in captions]
    assert all(named), f"every model names at least one row by its factor: {captions}"
    assert any(set(n) & {"pos_x", "pos_y"} for n in named)
    # The objectives say which they are, and the table gives each score its ±.
    body = page.locator("[data-testid='stMain']").inner_text()
    for objective in ("β-TCVAE", "FactorVAE", "DIP-VAE-I"):
        assert objective in body
    assert "MIG ±" in body or "±" in body
    tall_screenshot(page, "objectives_side_by_side")
