"""VAE Lab: the Streamlit entry point. Navigation is declared once, here.

Run with ``streamlit run app.py``. The sidebar's model picker is drawn here, before
the page, so every page shares the same chosen model.
"""

from __future__ import annotations

import logging

import streamlit as st

from vae.app import preload, shell

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

PAGES = {
    "Learn": [
        ("pages/train.py", "Train", ":material/model_training:"),
        ("pages/latent_map.py", "Latent map", ":material/scatter_plot:"),
        ("pages/interpolate.py", "Interpolate", ":material/tune:"),
    ],
    "Compare": [
        ("pages/beta_comparison.py", "β & objectives", ":material/compare:"),
        ("pages/conditional.py", "Conditional generation", ":material/category:"),
        ("pages/posterior_lab.py", "Posterior & collapse lab", ":material/science:"),
    ],
    "Apply": [
        ("pages/denoise.py", "Denoise & inpaint", ":material/healing:"),
        ("pages/density.py", "Density", ":material/ssid_chart:"),
    ],
}

# Pages that do not fetch the charts' code as their run starts: Home has none (it fetches every
# element's code later, while it is read: vae.app.preload); Conditional draws no Plotly
# chart, β & objectives none until a lower section is opened, Density and Interpolate none for
# an image or text model (their read-only charts are SVG: vae.figures.svg);
# Train fetches it itself, at once when it has runs to draw and after it is drawn
# when it shows the empty panels (an SVG) of a server without runs.
CHARTLESS = {"", "beta_comparison", "conditional", "density", "interpolate", "train"}
# Pages drawn without torch: Home, and Train, which shows the sidebar's model from its JSON
# files and a built-in data set from its precomputed facts (vae.app.data_facts); it loads a
# data set, and imports torch, once one is uploaded, resized or started (issue 28: a first
# visit straight after Home waited 0.5-1 s for the warm-up's torch).
TORCHLESS = {"", "train"}


def _term(body: str, label: str) -> str:
    """A term of the ELBO with a bracket and its name under it (an underbrace)."""
    return (
        '<span style="display:inline-flex;flex-direction:column;align-items:stretch;'
        f'vertical-align:top;margin:0 .15em"><span style="white-space:nowrap">{body}</span>'
        '<span style="height:.35em;border:1.5px solid;'
        'border-top:none;margin-top:.1em"></span><span style="font-size:.62em;font-style:normal;'
        f'text-align:center">{label}</span></span>'
    )


# The ELBO as HTML, not st.latex: KaTeX's code and fonts cost Home's first visit ~0.1 s
# (8 fresh servers each, issue 28), for the one formula of the app.
ELBO_HTML = (
    '<div role="math" aria-label="log p(x) is at least ELBO(x), which is the expected log '
    "p(x given z) under q(z given x), the reconstruction, minus beta times KL(q(z given x) "
    'from p(z)), the rate" style="text-align:center;font-family:serif;font-size:1.35em;'
    'margin:.6em 0 1em">'
    "log <i>p</i>(<i>x</i>) ≥ ELBO(<i>x</i>) = "
    + _term(
        "𝔼<sub><i>q</i>(<i>z</i>|<i>x</i>)</sub>[log <i>p</i>(<i>x</i>|<i>z</i>)]", "reconstruction"
    )
    + " − <i>β</i> "
    + _term("KL(<i>q</i>(<i>z</i>|<i>x</i>) ‖ <i>p</i>(<i>z</i>))", "rate")
    + "</div>"
)


def home() -> None:
    st.title("VAE Lab")
    st.markdown(
        "A **variational autoencoder** learns two networks at once. The *encoder* turns an "
        "example x into a distribution q(z|x) over a small latent code z; the *decoder* turns a "
        "code back into a distribution p(x|z) over examples. Both are trained to maximise the "
        "**evidence lower bound** (ELBO) on log p(x):"
    )
    st.markdown(ELBO_HTML, unsafe_allow_html=True)
    left, right = st.columns(2)
    left.markdown(
        "**Reconstruction** rewards codes that let the decoder rebuild x. "
        "**KL** (the *rate*, in nats) pulls every q(z|x) towards the prior p(z) = N(0, I), "
        "so that codes fill a smooth space you can sample from. β = 1 is the plain VAE; "
        "β > 1 trades reconstruction for simpler, often *disentangled* codes (β-VAE)."
    )
    right.markdown(
        "Training uses the **reparameterisation trick**, z = μ(x) + σ(x)·ε with ε ~ N(0, I), "
        "so gradients flow through the sample. When the KL wins completely a latent dimension "
        "carries nothing: **posterior collapse**. *Free bits* and *double dropout* fight it; "
        "*normalizing flows* make q(z|x) more flexible than a Gaussian."
    )
    st.subheader("Where to start")
    st.markdown(
        "- **Train**: set up a VAE, start it, and watch the ELBO, the KL of each latent dimension and "
        "the reconstructions as it learns.\n"
        "- **Latent map**: every test example as a point (UMAP, PCA or t-SNE of its code); select a "
        "region to see the examples there; on a 2-D latent, the decoded manifold.\n"
        "- **Interpolate**: one slider per latent dimension, A → B paths, traversal grids and GIFs.\n"
        "- **β & objectives**: β-VAE, β-TCVAE, FactorVAE and DIP-VAE side by side: which factor "
        "each dimension holds, traversals named by it, the disentanglement metrics (MIG, DCI, "
        "FactorVAE, β-VAE score, SAP) and a rate–distortion plot.\n"
        "- **Conditional generation**: pick a class, sample; the same style under every class.\n"
        "- **Posterior & collapse lab**: q(z|x) with and without a flow; collapse and its cures.\n"
        "- **Denoise & inpaint**: corrupt an example and let the model restore it, measured "
        "against simple baselines.\n"
        "- **Density**: the log-likelihood of every example, the least likely ones, "
        "out-of-distribution detection and 2-D densities."
    )
    st.caption(
        "Pick a model in the sidebar: ★ marks the bundled pretrained models; your own runs appear "
        "below them. A teacher's path: Home → Train (digits, 1 minute) → Latent map → Interpolate."
    )
    preload.preload_elements()  # the next page's charts and widgets, fetched while Home is read


def main() -> None:
    st.set_page_config(page_title="VAE Lab", page_icon=":material/blur_on:", layout="wide")
    pages = {"": [st.Page(home, title="Home", icon=":material/home:", default=True)]}
    for section, items in PAGES.items():
        pages[section] = [st.Page(path, title=title, icon=icon) for path, title, icon in items]
    navigation = st.navigation(pages)
    shell.start_umap_warm_up()
    page = navigation.url_path
    with shell.shell_run():
        if page not in CHARTLESS:
            preload.preload_charts_now()  # a new document's chart code, while the page runs
        if page not in TORCHLESS:
            shell.prepare_pages()
        shell.model_picker(load_model=page not in TORCHLESS)
        navigation.run()
    shell.start_warm_imports()  # after the page: the first tab is drawn before it competes


main()
