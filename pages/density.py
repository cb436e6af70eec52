"""Density: how likely the model finds each example, what it finds unlikely, and 2-D density maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from vae.analysis import density
from vae.app import charts, controls, examples, likelihoods, links, modality, pictures, shell
from vae.figures.density import density_map, ll_histogram, points_figure, roc_figure

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("Density")
st.markdown(
    "A VAE is a model of **p(x)**: how probable an input is under what it learned. Its "
    "log-likelihood is estimated with the importance-weighted bound (IWAE, Burda et al. 2015): "
    "k codes are drawn from q(z|x) and log p(x) ≈ log (1/k) Σ p(x, z)/q(z|x). Larger k gives a "
    "tighter (higher) estimate. Values are in nats per example: higher means more typical."
)

selected = shell.require_current(lambda info: info.latent_dim > 0, "a trained model", "mnist-16d")

info = selected.info
kind = modality.of(info)
is_points = tuple(info.input_shape) == (2,)
K_OPTIONS = [1, 10, 50, 100, 500, 1000]
links.bind("k", "dens_k", links.choice(K_OPTIONS), 100)  # ?k=500
k = st.select_slider(
    "Importance samples k",
    options=K_OPTIONS,
    key="dens_k",
    help="k = 1 is the ELBO of one sample; the estimate tightens as k grows (and costs k× more).",
)

# --- 1. the test set ------------------------------------------------------------------------------

ll = likelihoods.test_log_likelihood(selected, k)
st.header("1 · Log-likelihood of every test example")
a, b, c = st.columns(3)
a.metric("mean log p(x)", f"{ll.mean():.2f} nats")
b.metric("least likely", f"{ll.min():.2f} nats")
c.metric("most likely", f"{ll.max():.2f} nats")
charts.svg(ll_histogram({"test set": ll}, width=960), key="dens_test_hist")

links.bind("show", "dens_n_show", links.integer(4, 16), 8)
n_show = st.slider("How many to show", 4, 16, key="dens_n_show")
low, high = density.extremes(ll, n_show)
if not is_points:
    x = examples.test_x(selected)
    st.subheader("Least likely test examples")
    st.caption("The model finds these hard to explain: " + (
        "long sentences of rare words, unusual word orders." if kind.display == "text"
        else "odd shapes, unusual strokes, mislabels."))  # fmt: skip
    modality.show(kind, x[low], [f"#{i}: {ll[i]:.1f}" for i in low], ncol=min(n_show, 8))
    st.subheader("Most likely test examples")
    st.caption("Simple, typical examples: " + (
        "short phrases of common words (every word costs nats)." if kind.display == "text"
        else "often thin or small, with few pixels to explain."))  # fmt: skip
    modality.show(kind, x[high], [f"#{i}: {ll[i]:.1f}" for i in high], ncol=min(n_show, 8))
else:
    pts = examples.test_x(selected).numpy()
    extent = float(np.abs(pts).max()) * 1.15
    st.plotly_chart(
        points_figure(
            {"test points": pts},
            -extent,
            extent,
            title="Test points coloured by log p(x); the least likely ringed",
            colour=ll,
            colour_title="log p(x)",
            ringed=pts[low],
            ringed_name=f"{n_show} least likely",
        ),
        key="dens_points_ll",
    )

# --- 2. out-of-distribution inputs -------------------------------------------------------------------

shows_text = kind.display == "text"
if kind.shows_pictures or shows_text:  # the foreign sets are built for images and sentences
    st.header("2 · Out-of-distribution inputs")
    st.markdown(
        "Could log p(x) tell a *foreign* input from a familiar one? Each set below is scored "
        "like the test set. The **AUROC** is the chance that a random test example scores "
        "higher than a random foreign input: 1 means log p(x) separates them perfectly, 0.5 is "
        "a coin toss, and below 0.5 the model prefers the foreign inputs. Watch out: likelihood "
        "models are famous for liking simple inputs they never saw (Nalisnick et al. 2019)."
    )
    sets = list(likelihoods.ood_inputs(selected))
    set_kind = links.subset({links.slug(s): s for s in sets}, what="set names")
    links.bind("ood", "dens_ood_sets", set_kind, sets)  # ?ood=uniform-noise,all-black
    chosen = st.multiselect("Foreign sets", sets, key="dens_ood_sets")
    scores = {name: likelihoods.ood_log_likelihood(selected, name, k) for name in chosen}
    if shows_text:
        uploaded = controls.typed_sentence(selected, "Score your own sentence", "dens_typed")
    else:
        uploaded = examples.upload(selected, "dens_upload", "Score your own {noun}")
    upload_ll = None if uploaded is None else likelihoods.one_log_likelihood(selected, uploaded, k)
    left, right = st.columns(2)
    with left:
        charts.svg(ll_histogram({"test set": ll, **scores}, upload_ll), key="dens_ood_hist")
    curves = {}
    for name, s in scores.items():
        fpr, tpr = density.roc_curve(ll, s)
        curves[name] = (fpr, tpr, density.auroc(ll, s))
    with right:
        charts.svg(roc_figure(curves), key="dens_roc")
    if scores:
        st.dataframe(
            pd.DataFrame(
                {
                    "input set": list(scores),
                    "mean log p(x)": [float(s.mean()) for s in scores.values()],
                    "AUROC vs test set": [curves[n][2] for n in scores],
                }
            ),
            hide_index=True,
            column_config={
                "mean log p(x)": st.column_config.NumberColumn(format="%.2f"),
                "AUROC vs test set": st.column_config.NumberColumn(format="%.3f"),
            },
            key="dens_ood_table",
        )
        # Drawn only when opened: 8 pictures of each foreign set cost every visit ~0.5 s.
        box = shell.lazy_section("What the foreign inputs look like", key="dens_ood_inputs")
        if box is not None:
            inputs = likelihoods.ood_inputs(selected)
            with box:
                for name in scores:
                    st.caption(name)
                    modality.show(kind, inputs[name][:8], ncol=8, target=64)
    if upload_ll is not None:
        pct = density.percentile_of(upload_ll, ll)
        col_img, col_text = st.columns([1, 3])
        if shows_text:
            read = kind.render(uploaded[None])[0]
            back = kind.render(selected.model.reconstruct(uploaded[None]))[0]
            col_img.markdown(f"**as the model reads it:** {shell.plain(read)}  \n"
                             f"**its reconstruction:** {shell.plain(back)}")  # fmt: skip
        else:
            col_img.image(pictures.picture(uploaded, target=120), caption="as the model sees it")
        col_text.markdown(
            f"Your {kind.noun} scores **{upload_ll:.2f} nats**: higher than {pct:.0f}% of the test "
            f"set. " + ("It looks typical to the model." if pct >= 5 else "It looks foreign.")
        )

# --- 3. the density over the plane ---------------------------------------------------------------

if is_points:
    st.header("2 · The learned density over the plane")
    st.markdown(
        "With 2-D data the model's p(x) can be drawn whole: the IWAE estimate at every point of "
        "a grid. Next to it, the data and draws from the model: z from the prior N(0, I), "
        "decoded (the curve the decoder learned), then with the likelihood's noise added, which "
        "is what the model believes new data looks like."
    )
    c1, c2, c3 = st.columns(3)
    links.bind("extent", "dens_extent", links.number(1.5, 6.0), 3.5, where=c1)
    extent = c1.slider("Half-width of the square", 1.5, 6.0, step=0.5, key="dens_extent")
    links.bind("grid", "dens_grid", links.choice([40, 60, 80, 120]), 60, where=c2)
    grid_n = c2.select_slider("Grid points per side", [40, 60, 80, 120], key="dens_grid")
    links.bind("samples", "dens_samples", links.integer(200, 5000), 2000, where=c3)
    n_samples = c3.slider("Samples from the model", 200, 5000, step=200, key="dens_samples")
    grid = likelihoods.density_map(selected, extent, grid_n, min(k, 100))
    data_pts = examples.test_x(selected).numpy()
    samples = likelihoods.model_samples(selected, n_samples, 0)
    left, right = st.columns(2)
    left.plotly_chart(density_map(grid["xs"], grid["ys"], grid["log_p"]), key="dens_map")
    right.plotly_chart(
        points_figure(
            {
                "test data": data_pts,
                "samples x ~ p(x|z)": samples["x"],
                "decoder means": samples["mean"],
            },
            -extent,
            extent,
            title="Data and samples from the model",
        ),
        key="dens_samples_fig",
    )
    total = density.grid_integral(grid["xs"], grid["ys"], grid["log_p"])
    st.caption(
        f"The map integrates to {total:.3f} over the square (a density must integrate to 1 over "
        f"the whole plane; less means mass outside the square or a loose estimate). Importance "
        f"samples per grid point: {min(k, 100)}."
    )
