"""Streamlit glue of the Denoise & inpaint page: restorations of one example and of the test set."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
import torch

from vae.analysis import inpainting
from vae.analysis.corruption import Corruption, data_mean_image, default_corruption, show_missing
from vae.analysis.text_restore import restorations, restore_scores
from vae.app import controls, shell
from vae.app.caching import cached, has_cached, memo
from vae.app.examples import test_x, test_y
from vae.app.shell import Selected


def mean_image(selected: Selected) -> torch.Tensor:
    """The mean training image (the mean fill baseline and the inpainting start)."""
    return memo(selected, "mean_image", {}, lambda: data_mean_image(selected.data))


# --- restore ------------------------------------------------------------------------------------


BENCH_VALUES = 1000 * 32 * 32  # values restored over the test set: 1,000 images of 32×32


def bench_size(selected: Selected) -> int:
    """Test examples the benchmark restores: up to 1,000, fewer for large examples (126 of a
    sound's 64 × 126 spectrogram) so that the default measurement stays under a minute."""
    per_example = math.prod(selected.info.input_shape)
    return int(test_x(selected, max(64, BENCH_VALUES // per_example)).shape[0])


def restore_benchmark(
    selected: Selected, corruption: Corruption, rounds: int, steps: int
) -> dict[str, np.ndarray]:
    n = bench_size(selected)
    x, y = test_x(selected, n), test_y(selected, n)
    params = {**corruption.params(), "rounds": rounds, "steps": steps, "n": int(x.shape[0])}

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        return inpainting.benchmark(
            selected.model,
            x,
            mean_image(selected),
            corruption,
            y,
            rounds=rounds,
            steps=steps,
            progress=progress,
        )

    return cached(
        selected,
        "restore_benchmark",
        params,
        compute,
        f"Restoring {x.shape[0]} test images with every method…",
    )


def restore_benchmark_ready(
    selected: Selected, corruption: Corruption, rounds: int, steps: int
) -> bool:
    """Measure without asking when the result is kept already or the settings are the defaults."""
    _, height, width = selected.info.input_shape
    if corruption == default_corruption(height, width) and (rounds, steps) == (10, 100):
        return True
    params = {**corruption.params(), "rounds": rounds, "steps": steps, "n": bench_size(selected)}
    return has_cached(selected, "restore_benchmark", params)


def label_tensor(label: int) -> torch.Tensor:
    return torch.tensor([int(label)], dtype=torch.long)


def restore_row(
    x: torch.Tensor, result: dict[str, Any], methods: list[str]
) -> tuple[torch.Tensor, list[str]]:
    """The original, the corrupted image and each restoration, as RGB images with captions."""
    masks = bool(result["missing"].any())

    def rgb(img: torch.Tensor) -> torch.Tensor:
        return img.expand(-1, 3, -1, -1) if img.shape[1] == 1 else img

    def caption(name: str, err: float, hole: float) -> str:
        return f"{name}\nMSE {err:.4f}" + (f" ({hole:.4f})" if masks else "")

    images = [rgb(x), show_missing(result["x_obs"], result["missing"])]
    captions = ["original", f"corrupted\nMSE {result['mse_corrupted']:.4f}"]
    for m in methods:
        if m == "corrupted":
            continue
        images.append(rgb(result["outputs"][m]))
        captions.append(caption(inpainting.METHODS[m], result["mse"][m], result["mse_missing"][m]))
    return torch.cat(images), captions


def restore_one(
    selected: Selected,
    x: torch.Tensor,
    y: torch.Tensor | None,
    corruption: Corruption,
    rounds: int,
    steps: int,
    seed: int,
) -> dict[str, Any]:
    """Every restorer on one image (kept in memory per image and setting)."""
    params = {
        **corruption.params(),
        "rounds": rounds,
        "steps": steps,
        "seed": seed,
        "x": hash(x.numpy().tobytes()),
        "y": None if y is None else int(y[0]),
    }
    return memo(
        selected,
        "restore_one",
        params,
        lambda: inpainting.restore_example(
            selected.model, x, mean_image(selected), corruption, y, rounds, steps, seed
        ),
    )


# --- text ---------------------------------------------------------------------------------------


def text_view(selected: Selected, seam: Any) -> None:
    """Denoise for a text model: mask or drop words of a sentence, restore it, score the test set."""
    model = selected.model
    st.header("1 · Damage a sentence")
    source_col, corrupt_col = st.columns(2, gap="large")
    with source_col:
        typed = st.toggle("Type your own sentence", key="dn_text_typed")
        if typed:
            x = controls.typed_sentence(selected, "Your sentence", "dn_text_sentence")
            if x is None:
                st.stop()
        else:
            n_test = len(selected.data.test)
            index = st.number_input(f"Test sentence (0–{n_test - 1})", 0, n_test - 1, 0,
                                    key="dn_text_example")  # fmt: skip
            x = selected.data.test.x[int(index)]
    with corrupt_col:
        kind = st.selectbox("Damage", list(seam.corruptions), format_func=seam.corruptions.get,
                            key="dn_text_kind")  # fmt: skip
        amount = st.slider("Share of the words hit", 0.0, 0.9, 0.3, 0.05, key="dn_text_amount")
        seed = st.number_input("Random seed of the damage", 0, 10_000, 0, key="dn_text_seed")
    observed, missing = seam.corrupt(x[None], kind, amount, int(seed))
    restored = restorations(model, observed, missing)
    rows = {"original": x[None], "damaged": observed, **restored}
    st.dataframe(
        pd.DataFrame({"": list(rows), "sentence": [seam.render(v)[0] for v in rows.values()]}),
        hide_index=True, key="dn_text_rows",
    )  # fmt: skip
    st.header("2 · Over the test set")
    n = min(500, len(selected.data.test))
    xs = test_x(selected, n)

    def compute(progress: Callable[[float], None]) -> dict[str, np.ndarray]:
        obs, miss = seam.corrupt(xs, kind, amount, int(seed))
        return restore_scores(model, xs, obs, miss)

    params = {"kind": kind, "amount": amount, "seed": int(seed), "n": n}
    scores = cached(selected, "text_restore", params, compute, "Restoring the test sentences…")
    st.dataframe(
        pd.DataFrame({
            "": list(scores),
            "word accuracy (%)": [100 * float(v.mean()) for v in scores.values()],
            "± (standard error, %)": [100 * float(v.std() / np.sqrt(len(v))) for v in scores.values()],
        }),
        hide_index=True, key="dn_text_scores",
        column_config={k: st.column_config.NumberColumn(format="%.1f")
                       for k in ("word accuracy (%)", "± (standard error, %)")},
    )  # fmt: skip
    st.caption(
        f"Word accuracy: the share of each original sentence's tokens (words and its end) found "
        f"at the same place, averaged over the first {n} test sentences, each damaged with the "
        "same settings and seed. A restoration is worth something where it beats the damaged "
        "input; the clean sentence's reconstruction is what the model manages with nothing "
        f"damaged. Model: {shell.plain(selected.entry.title)}."
    )
