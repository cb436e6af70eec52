"""Denoise & inpaint: corrupt an image, let the VAE restore it, and measure it against baselines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from vae.analysis import inpainting
from vae.analysis.corruption import CORRUPTIONS, Corruption
from vae.app import denoise, examples, modality, shell
from vae.figures.inpainting import error_bars, rounds_curve

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("Denoise & inpaint")
st.markdown(
    "A VAE has learned what examples of its data look like, so it can guess what a damaged one "
    "*should* look like. Corrupt an image with noise or hide part of it (or mask and drop the "
    "words of a sentence), then restore it: by "
    "encoding and decoding it, by **iterative inpainting** (refill the hidden pixels from the "
    "reconstruction, keep the known ones, repeat K times) or by **optimising the code z** to "
    "explain the known pixels. Every error is measured against the clean original, and next to "
    "simple baselines, so you can see what the model is actually worth."
)

# The modalities that say how their examples are corrupted: images and sentences.
selected = shell.require_current(
    lambda info: modality.of(info).can_corrupt, "a model of images or sentences", "mnist-16d"
)
examples_seam = modality.of(selected.info)
if examples_seam.display == "text":
    denoise.text_view(selected, examples_seam)
    st.stop()

model, info = selected.model, selected.info
_, height, width = info.input_shape
n_test = len(selected.data.test)

# --- 1. the image and its corruption -----------------------------------------------------------

st.header("1 · Corrupt an image")
source_col, corrupt_col, restore_col = st.columns(3, gap="large")
with source_col:
    index = st.number_input(f"Test example (0–{n_test - 1})", 0, n_test - 1, 0, key="dn_example")
    uploaded = examples.upload(selected, "dn_upload")
    x, y = examples.example(selected, int(index))
    source = f"test example {int(index)}"
    if uploaded is not None:
        x, source = uploaded, "your upload"
        if model.config.conditional:
            names = selected.data.class_names or [str(c) for c in range(model.config.n_classes)]
            label = st.selectbox(
                "Its class (the model is conditional)",
                range(len(names)),
                format_func=lambda c: names[c],
                key="dn_upload_class",
            )
            y = examples.label_tensor(label)
with corrupt_col:
    kind = st.selectbox(
        "Corruption",
        list(CORRUPTIONS),
        index=list(CORRUPTIONS).index("rectangle"),
        format_func=CORRUPTIONS.get,
        key="dn_kind",
    )
    sigma, fraction, top, left, rect_h, rect_w = 0.3, 0.2, 0, 0, height // 2, width
    if kind == "noise":
        sigma = st.slider("Noise σ (pixels are in [0, 1])", 0.0, 1.0, 0.3, 0.05, key="dn_sigma")
    elif kind == "salt_pepper":
        fraction = st.slider("Share of pixels hit", 0.0, 0.8, 0.2, 0.05, key="dn_sp")
    elif kind == "missing":
        fraction = st.slider("Share of pixels missing", 0.0, 0.95, 0.5, 0.05, key="dn_missing")
    else:
        a, b = st.columns(2)
        top = a.slider("Top", 0, height - 1, 0, key="dn_top")
        left = b.slider("Left", 0, width - 1, 0, key="dn_left")
        rect_h = a.slider("Height", 1, height, max(1, height // 2), key="dn_h")
        rect_w = b.slider("Width", 1, width, width, key="dn_w")
    seed = st.number_input("Random seed of the corruption", 0, 10_000, 0, key="dn_seed")
    corruption = Corruption(kind, sigma, fraction, top, left, rect_h, rect_w)
with restore_col:
    rounds = st.slider("Inpainting rounds K", 1, 50, 10, key="dn_rounds")
    steps = st.slider("Optimisation steps on z", 10, 300, 100, 10, key="dn_steps")
    st.caption(
        "Optimising z maximises log p(known pixels | z) + log p(z) with Adam, starting from "
        "the encoder's guess: a MAP code that ignores the hidden pixels entirely."
    )

result = denoise.restore_one(selected, x, y, corruption, rounds, steps, int(seed))

# --- 2. what each method makes of it --------------------------------------------------------------

st.header("2 · Restored")
methods = inpainting.methods_for(corruption)
images, captions = denoise.restore_row(x, result, methods)
modality.show(examples_seam, images, captions, ncol=min(len(captions), 8), target=120)
if corruption.masks:
    st.caption(
        "Magenta marks the hidden pixels. Errors are mean squared errors per pixel against the "
        "original: over the whole image, and (in brackets) over the hidden pixels only. The "
        "inpainting methods never change a known pixel."
    )
    st.plotly_chart(
        rounds_curve(result["rounds"], result["mse_missing"]["mean_fill"]), key="dn_rounds_curve"
    )
else:
    st.caption(
        "Errors are mean squared errors per pixel against the original. Noise hides nothing, "
        "but the restorer does not know which pixels it changed."
    )

# --- 3. the whole test set ------------------------------------------------------------------------

n_bench = denoise.bench_size(selected)
st.header("3 · Over the test set")
st.markdown(
    f"One example proves little. Here the same corruption (a fresh draw for each image) hits "
    f"the first {n_bench} test images and every method restores them. Grey bars are baselines "
    f"that know nothing about the data beyond its mean image; purple bars use the VAE; the pale "
    f"bar is the VAE's error on the *clean* image, the floor set by its reconstructions."
)
if denoise.restore_benchmark_ready(selected, corruption, rounds, steps) or st.button(
    "Measure every method on the test set", key="dn_measure", icon=":material/analytics:"
):
    bench = denoise.restore_benchmark(selected, corruption, rounds, steps)
    rows = inpainting.summarise(bench)
    key = "mse_missing" if corruption.masks else "mse"
    what = "on the hidden pixels" if corruption.masks else "over the whole image"
    st.plotly_chart(
        error_bars(
            [inpainting.METHODS[r["method"]] for r in rows],
            [r[key] for r in rows],
            [r[f"{key}_se"] for r in rows],
            [r["method"] in inpainting.VAE_METHODS for r in rows],
            title=f"Mean squared error {what} (± 2 standard errors)",
            floor=[r["method"] == "clean" for r in rows],
        ),
        key="dn_bench_chart",
    )
    st.dataframe(
        pd.DataFrame(
            {
                "method": [inpainting.METHODS[r["method"]] for r in rows],
                "MSE, whole image": [r["mse"] for r in rows],
                "MSE, hidden pixels": [r["mse_missing"] for r in rows],
                "PSNR (dB)": [r["psnr"] for r in rows],
            }
        ),
        hide_index=True,
        column_config={
            "MSE, whole image": st.column_config.NumberColumn(format="%.4f"),
            "MSE, hidden pixels": st.column_config.NumberColumn(format="%.4f"),
            "PSNR (dB)": st.column_config.NumberColumn(format="%.1f"),
        },
        key="dn_bench_table",
    )
    st.markdown(inpainting.verdict(rows, corruption))
else:
    st.caption("Not measured yet for these settings (a few seconds; the result is kept).")
