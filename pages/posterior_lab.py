"""Posterior & collapse lab: q(z|x) with and without a flow; collapse and its cures side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from vae.app import examples, links, modality, pictures, posterior_lab, shell
from vae.figures.posterior import noise_curves, per_dim_bars, posterior_figure
from vae.model.evaluation import ACTIVE_UNIT_THRESHOLD

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("Posterior & collapse lab")
st.markdown(
    "The encoder does not give one code per example but a whole distribution, the "
    "**posterior q(z|x)**. Here you can see it, compare it with the *true* posterior p(z|x), "
    "and watch what happens when the KL term wins and q(z|x) stops depending on x at all: "
    "**posterior collapse**."
)

# --- 1. the posterior of one example -------------------------------------------------------------


def posterior_section() -> None:
    """q(z|x) of one example beside the true posterior, with and without a flow."""
    st.markdown(
        "With a 2-D latent everything can be drawn. Dotted grey circles: the prior N(0, I). Red: "
        "the encoder's q(z|x), its 1σ and 2σ ellipses holding 39% and 86% of its mass. Blue "
        "shading: the true posterior p(z|x) ∝ p(x|z) p(z), computed by brute force on a grid "
        "(only possible in 2-D). A Gaussian q can only be an axis-aligned ellipse; a **normalizing "
        "flow** bends it (red dots are its samples, the red curves the flow's image of the base "
        "ellipses, which still hold 39% and 86%). The gap log p(x) − ELBO is KL(q ‖ p(z|x)): how "
        "far the encoder's guess is from the truth, in nats."
    )
    two_d = shell.model_choices(lambda i: i.latent_dim == 2 and modality.of(i).shows_pictures)
    current = shell.current()
    if len(two_d) == 0:
        st.info(
            "This section needs an image model with a 2-D latent, such as the bundled mnist-2d."
        )
    else:
        default_left = (
            current.entry.name
            if current is not None and current.entry.name in two_d and current.info.flow == "none"
            else next((n for n in posterior_lab.TWO_D_DEFAULTS if n in two_d), two_d[0])
        )
        c1, c2 = st.columns(2)
        left_name = shell.pick_model(c1, "Model on the left", two_d, default_left, "pl_left")
        left = shell.load_named(left_name)
        same_data = [n for n in two_d if shell.dataset_of(n) == shell.dataset_of(left_name)]
        flows = [n for n in same_data if shell.flow_of(n) != "none" and n != left_name]
        default_right = flows[0] if flows else same_data[0]
        right_name = shell.pick_model(
            c2, "Model on the right (same data)", same_data, default_right, "pl_right"
        )
        right = shell.load_named(right_name)
        n_test = len(left.data.test) if left is not None else 1
        c3, c4, c5 = st.columns(3)
        index = c3.number_input(
            f"Test example (0–{n_test - 1})", 0, n_test - 1, 0, key="pl_example"
        )
        view = c4.radio(
            "View",
            ["posterior", "prior"],
            format_func={"posterior": "zoom on this example", "prior": "the whole prior"}.get,
            horizontal=True,
            key="pl_view",
        )
        truth = c5.toggle("Show the true posterior", value=True, key="pl_truth")

        @st.fragment
        def posterior_panels() -> None:
            columns = st.columns(2, gap="large")
            for col, chosen, side in zip(columns, (left, right), ("left", "right"), strict=True):
                if chosen is None:
                    continue
                result = posterior_lab.posterior_view(chosen, int(index), truth)
                others = posterior_lab.test_means_2d(chosen)
                with col:
                    st.plotly_chart(
                        posterior_figure(
                            result["post"], result["grid"], others, view, title=chosen.entry.title
                        ),
                        key=f"pl_post_{side}",
                    )
                    x, _ = examples.example(chosen, int(index))
                    st.image(
                        pictures.picture(examples.stack(x, result["recon"]), ncol=2, target=80),
                        caption="left: x · right: decoded from its code",
                    )
                    gap = result["gap"]
                    if gap is not None:
                        st.markdown(
                            f"log p(x) = **{gap['log_px']:.2f}**, ELBO = **{gap['elbo']:.2f}**, "
                            f"gap KL(q ‖ p(z|x)) = **{gap['gap']:.3f}** nats"
                        )
                    summary = chosen.info.summary
                    if "log_likelihood" in summary and "elbo" in summary:
                        st.caption(
                            f"Over the test set (model card): log p(x) ≈ "
                            f"{summary['log_likelihood']:.2f}, ELBO {summary['elbo']:.2f}, average "
                            f"gap {summary['log_likelihood'] - summary['elbo']:.3f} nats."
                        )

        posterior_panels()
        st.caption(
            "A flow can fit curved or skewed posteriors that an ellipse cannot, but it only helps "
            "where the true posterior is far from Gaussian: compare the gaps above, example by "
            "example, and the averages from the model cards."
        )


# --- 2. posterior collapse -----------------------------------------------------------------------


def collapse_section() -> None:
    """A model without a cure for collapse beside one with: units, KL, pictures."""
    st.markdown(
        "The KL term pulls every q(z|x) towards the prior. For a latent dimension that helps the "
        "decoder little, the cheapest move is to give up: q(z_d|x) = N(0, 1) for every x, a KL of "
        "zero, and a decoder that learns to ignore z_d. That dimension is **collapsed** (inactive): "
        "its posterior mean no longer varies with x. Strong decoders, a large β or early training "
        "make it worse. Two cures, compared here with the same model trained without them:\n"
        "- **Free bits** (Kingma et al. 2016) stop penalising the KL of a dimension below a floor "
        "λ nats, so carrying a little information is free and no longer pushed to zero.\n"
        "- **Double dropout** drops input pixels and latent units in training: the decoder cannot "
        "rely on a few dimensions alone, so it spreads the information over many."
    )
    choices = shell.model_choices(lambda i: i.latent_dim > 0)
    if not choices:
        st.info("No models to compare yet: train one on the Train page.")
        return

    collapse_pair = posterior_lab.collapse_pair(shell.current())

    def default(name: str, fallback: int) -> str:
        return name if name in choices else choices[min(fallback, len(choices) - 1)]

    c1, c2 = st.columns(2)
    a_name = shell.pick_model(
        c1, "Without a cure", choices, default(collapse_pair[0], 0), "pl_collapse_a"
    )
    b_name = shell.pick_model(
        c2, "With a cure", choices, default(collapse_pair[1], 1), "pl_collapse_b"
    )
    runs = {name: shell.load_named(name) for name in dict.fromkeys([a_name, b_name])}
    runs = {name: sel for name, sel in runs.items() if sel is not None}
    numbers = {name: posterior_lab.collapse_numbers(sel) for name, sel in runs.items()}
    labels = {name: runs[name].entry.title for name in runs}

    st.dataframe(
        pd.DataFrame(
            {
                "model": [labels[n] for n in runs],
                "active units": [
                    f"{int(numbers[n]['active_units'])} / {len(numbers[n]['kl_per_dim'])}"
                    for n in runs
                ],
                "ELBO": [float(numbers[n]["elbo"]) for n in runs],
                "reconstruction": [float(numbers[n]["recon"]) for n in runs],
                "KL": [float(numbers[n]["kl"]) for n in runs],
                "log p(x) (card)": [runs[n].info.summary.get("log_likelihood") for n in runs],
                "free bits": [runs[n].model.config.free_bits for n in runs],
                "dropout x / z": [
                    f"{runs[n].model.config.input_dropout:g} / {runs[n].model.config.latent_dropout:g}"
                    for n in runs
                ],
            }
        ),
        hide_index=True,
        column_config={
            k: st.column_config.NumberColumn(format="%.2f")
            for k in ("ELBO", "reconstruction", "KL", "log p(x) (card)")
        },
        key="pl_collapse_table",
    )
    st.caption(
        "ELBO, reconstruction error and KL in nats per example on the test set (one posterior "
        "sample, no dropout); log p(x) is the IWAE estimate from the model card. A cure can cost "
        "a little ELBO (the KL it keeps is no longer free) and still give a better log p(x)."
    )

    left, right = st.columns(2)
    # (where, measure, title, y axis, options, key): the three views of each latent dimension.
    BARS = (
        (left, "kl_per_dim", "KL per latent dimension (nats)", "KL, nats", {}, "pl_kl_bars"),
        (right, "mean_variance", "Variance of the posterior mean over the data",
         "Var_x E[z_d | x] (log scale)", {"threshold": ACTIVE_UNIT_THRESHOLD, "log_y": True},
         "pl_activity_bars"),
        (st, "sensitivity", "How much the decoder's output moves when z_d moves by one prior σ",
         "mean |Δ pixel| (share of tokens changed, for text)", {}, "pl_sensitivity_bars"),
    )  # fmt: skip
    for where, measure, title, axis, options, key in BARS:
        values = {labels[n]: numbers[n][measure] for n in runs}
        where.plotly_chart(per_dim_bars(values, title, axis, **options), key=key)
    st.caption(
        f"A unit is *active* when its posterior mean varies over the data by more than "
        f"{ACTIVE_UNIT_THRESHOLD} (Burda et al. 2015). Collapsed dimensions show up three times: "
        f"no KL, no variance, and a decoder that barely reacts to them."
    )

    text_runs = [name for name in runs if modality.of(runs[name].info).display == "text"]
    if text_runs:
        st.subheader("What the codes decode to")
        st.caption("Left: test sentences and their reconstructions (greedy decoding of the posterior "
                   "mean). Right: ten draws z ~ N(0, I), decoded greedily. A collapsed model ignores "
                   "z: every code gives the same sentence.")  # fmt: skip
        text_cols = st.columns(len(text_runs), gap="large")
    for col, name in zip(text_cols if text_runs else [], text_runs, strict=False):
        seam = modality.of(runs[name].info)
        x8 = examples.test_x(runs[name])[numbers[name]["shown_rows"]]
        with col:
            st.markdown(f"**{shell.plain(labels[name])}**")
            st.dataframe(pd.DataFrame({"test sentence": seam.render(x8),
                                       "reconstruction": seam.render(numbers[name]["recon_images"])}),
                         hide_index=True, key=f"pl_text_recon_{name}")  # fmt: skip
            st.dataframe(pd.DataFrame({"decoded from z ~ N(0, I)":
                                       seam.render(numbers[name]["sample_images"][:10])}),
                         hide_index=True, key=f"pl_text_samples_{name}")  # fmt: skip
    image_runs = [name for name in runs if modality.of(runs[name].info).shows_pictures]
    if image_runs:
        st.subheader("Reconstructions and samples")
    for name in image_runs:
        x8 = examples.test_x(runs[name])[numbers[name]["shown_rows"]]
        st.markdown(f"**{labels[name]}**")
        rec_col, sam_col = st.columns(2, gap="large")
        with rec_col:
            st.caption("top: test examples · bottom: their reconstructions")
            st.image(
                pictures.picture(
                    examples.stack(x8, numbers[name]["recon_images"]), ncol=8, target=48
                )
            )
        with sam_col:
            st.caption("decoded draws from the prior z ~ N(0, I)")
            st.image(pictures.picture(numbers[name]["sample_images"], ncol=8, target=48))


# --- 3. CALM: a code that survives noise ------------------------------------------------------


def calm_section() -> None:
    """Token accuracy of three chunk autoencoders as noise is added to their codes."""
    st.markdown(
        "CALM (Shao et al. 2025) compresses a chunk of K tokens (here 8 characters) into one vector "
        "and trains a "
        "language model to *predict the next vector*. A predicted vector is never exact, so the "
        "decoder must give back the same tokens from any z near the code. Here each chunk "
        "autoencoder decodes z = μ(x) + σ s ε for growing σ, where s is each dimension's spread of "
        "the codes over the data (noise relative to the code's own scale: an autoencoder's codes may "
        "sit at any scale). A plain autoencoder is accurate at σ = 0 "
        "and brittle beyond. A VAE with a small β lets unneeded dimensions **collapse** to the prior. "
        "CALM's recipe (the KL clamped at λ = 0.5 nats per dimension and example, dropout 0.15 on z "
        "and on the input tokens) keeps every dimension in use and robust. A diamond marks each "
        "model at its own posterior scale: z drawn from q(z|x) itself, the noise its decoder met in "
        "training (σ_q / s averaged over dimensions)."
    )
    curves = posterior_lab.chunk_curves()
    if not curves:
        st.info("This section needs the bundled chunk autoencoders (chunks-ae, chunks-vae, "
                "chunks-calm); python assets/build_models.py --only chunks-ae chunks-vae "
                "chunks-calm builds them.")  # fmt: skip
    else:
        st.plotly_chart(noise_curves(curves), key="pl_noise_curves")
        st.dataframe(
            pd.DataFrame({
                "model": list(curves),
                "collapsed dimensions (KL < 0.01 nats)": [
                    f"{c['collapsed_dims']} / {c['latent_dim']}" for c in curves.values()],
                "posterior scale (σ_q / s)": [c["posterior_scale"] for c in curves.values()],
                "accuracy at σ = 0 (%)": [100 * c["accuracy"][0] for c in curves.values()],
                "accuracy at the posterior scale (%)": [
                    100 * c["accuracy_at_posterior_scale"] for c in curves.values()],
            }),
            hide_index=True, key="pl_noise_table",
            column_config={
                "posterior scale (σ_q / s)": st.column_config.NumberColumn(format="%.3f"),
                "accuracy at σ = 0 (%)": st.column_config.NumberColumn(format="%.2f"),
                "accuracy at the posterior scale (%)": st.column_config.NumberColumn(format="%.2f"),
            },
        )  # fmt: skip
        st.caption(
            "Token accuracy: the share of the test chunks' tokens decoded right (greedy, which for "
            "this non-autoregressive decoder is the exact mode), one noise draw per chunk (seed 0), "
            "over every test chunk of the WordNet sentences."
        )


# --- the three labs, one tab each: only the open one runs (issue 28) ---------------------------

titles = posterior_lab.SECTION_TITLES
links.bind("section", posterior_lab.SECTION_KEY, links.choice(titles), titles["posterior"])
tabs = st.tabs(list(titles.values()), key=posterior_lab.SECTION_KEY, on_change="rerun")
draws = {"posterior": posterior_section, "collapse": collapse_section, "calm": calm_section}
for tab, token in zip(tabs, titles, strict=True):
    if tab.open:
        with tab:
            draws[token]()
