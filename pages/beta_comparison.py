"""β & objectives: two to four runs side by side on the same input, what each dimension holds, the metrics."""

from __future__ import annotations

import streamlit as st

from vae.analysis import latent
from vae.app import charts, compare, controls, factors, links, modality, pictures, seeds, shell
from vae.errors import VAELabError
from vae.figures.compare import factor_heatmap, kl_bars, rate_distortion

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("β & objectives")
st.markdown(
    "β weighs the KL term of the ELBO. A larger β squeezes the code harder: reconstructions get "
    "blurrier, fewer dimensions stay active, and those that do tend to capture one factor each "
    "(*disentanglement*). Other objectives aim at the same with a sharper tool: **β-TCVAE** "
    "penalises only the total correlation of the code, **FactorVAE** estimates it with a "
    "discriminator, **DIP-VAE** pushes the covariance of the codes to the identity. Pick runs "
    "and compare them on the **same** input; on data with ground-truth factors (`shapes`, `notes`) each "
    "run shows which factor every dimension holds."
)

options = shell.entries()
names = [e.name for e in options]
labels = {e.name: e.label for e in options}
runs_kind = links.subset(names, 4, "model names (as in the sidebar's list)")
links.bind("runs", "cmp_runs", runs_kind, compare.default_runs(names))  # ?runs=a,b
chosen = st.multiselect(
    "Runs to compare (two to four)", names, max_selections=4,
    format_func=labels.get, key="cmp_runs",
    help="The bundled shapes models are chosen first when they are installed.",
)  # fmt: skip
if len(chosen) < 2:
    st.info("Choose at least two runs to compare.")
    st.stop()

runs: list[shell.Selected] = []
for entry in (e for e in options if e.name in chosen):
    try:
        runs.append(shell.load(entry))
    except VAELabError as exc:
        shell.report_error(exc)
if len(runs) < 2:
    st.stop()

signatures = {compare.data_signature(r) for r in runs}
same_data = len(signatures) == 1
if not same_data:
    st.warning(
        "These runs were trained on **different data** ("
        + ", ".join(
            f"{r.entry.title}: `{r.info.dataset}` {tuple(r.info.input_shape)}" for r in runs
        )
        + "). Their numbers are not comparable, and each is shown its own data set's example.",
        icon=":material/warning:",
    )

# --- side by side ----------------------------------------------------------------------------

st.header("Side by side")
st.markdown(
    "Top: the input and each run's reconstruction. Middle: the KL of every latent dimension, "
    "largest first (grey: inactive). Bottom: a traversal of the input's code, one row per "
    "dimension ordered by KL, the value running across the range."
)
c1, c2, c3 = st.columns([3, 3, 2])
with c1:
    n_test = min(len(r.data.test) for r in runs)
    index = controls.index_picker("Input: test example", "cmp_index", n_test, param="index")
links.bind("range", "cmp_range", links.span(-4.0, 4.0), (-2.5, 2.5), where=c2)
# no value=: the session holds (low, high), which makes it a range slider
low, high = c2.slider("Traversal range", -4.0, 4.0, step=0.25, key="cmp_range")
links.bind("cols", "cmp_cols", links.integer(3, 11), 7, where=c3)
cols = c3.slider("Columns", 3, 11, key="cmp_cols")
rows_default = min(10, max(r.model.config.latent_dim for r in runs))
links.bind("rows", "cmp_rows", links.integer(1, 16), rows_default)
max_rows = st.slider("Traversal rows (dimensions, by KL)", 1, 16, key="cmp_rows")
values = latent.traversal_values(low, high, cols)

# Four runs in one row leave traversal tiles too small to read: two rows of two then.
per_row = 2 if len(runs) == 4 else len(runs)
columns = [c for start in range(0, len(runs), per_row) for c in st.columns(per_row)]
for column, selected in zip(columns, runs, strict=True):
    model = selected.model
    dims = controls.dimensions(selected)
    with column:
        st.subheader(selected.entry.name)
        st.caption(
            f"{selected.entry.title}  \n{compare.objective_caption(model.config, model.input_shape)} · "
            f"z = {model.config.latent_dim} · {int(dims.active.sum())} active · "
            f"`{selected.info.dataset}`"
        )
        x, label = controls.test_example(selected, index)
        y = label if model.config.conditional else None
        z = latent.encode_mean(model, x[None], None if y is None else [y])[0]
        if modality.of(selected.info).shows_pictures:
            recon = latent.decode(model, z, y)
            pair = pictures.side_by_side([x, recon[0]], target=80)
            st.image(pair, caption="input · reconstruction", output_format="PNG")
        # read-only charts as SVG: no Plotly code on the page's first view (figures.svg)
        charts.svg(kl_bars(dims.kl, dims.active), key=f"cmp_kl_{selected.entry.name}")
        view = factors.factor_view(selected)
        if view is not None:
            charts.svg(
                factor_heatmap(view.matrix, view.factor_names, dims.order, view.factor_of_dim),
                key=f"cmp_factors_{selected.entry.name}",
            )
            st.caption(
                "What each dimension holds: I(z_d; factor) over the factor's entropy (1 = the "
                f"dimension determines the factor), from {view.source}."
            )
        if modality.of(selected.info).shows_pictures:
            rows = dims.order[:max_rows]
            grid = latent.decode(model, latent.traversal_codes(z, rows, values), y)
            st.image(pictures.picture(grid, ncol=cols, target=48), output_format="PNG")
            named = [view.row_label(d) if view is not None else f"z{d}" for d in rows]
            st.caption("rows, top to bottom: " + ", ".join(named))
            seam = modality.of(selected.info)
            for r, name in enumerate(named):  # a sound model: each row heard, named by its factor
                modality.play_sequence(seam, grid[r * cols : (r + 1) * cols], caption=name)
        else:
            st.caption("2-D points: no images to reconstruct or traverse.")

# --- numbers ---------------------------------------------------------------------------------

st.header("Metrics")
st.markdown(
    "ELBO, reconstruction and KL in nats per test example (ELBO and log-likelihood: higher is "
    "better). MIG, DCI, FactorVAE, β-VAE score and SAP measure disentanglement against the "
    "ground-truth factors, so they exist only for data that has them (`shapes`, `notes`). "
    "β_norm = β·z/pixels (Higgins et al. 2017) compares β across image sizes: β = 4 at z = 10 "
    "is 0.039 on 32×32 pictures and 0.0098 on 64×64. A blank (a grey None in the every-figure "
    "table): not known yet, or not applicable."
)
if any(r.data.ground_truth is not None for r in runs):
    st.markdown("**Disentanglement, with one standard deviation**")
    st.dataframe(compare.scores_table(runs), hide_index=True, key="cmp_scores")
st.markdown("**Every figure**")
table, absent = compare.metrics_frame(runs)
st.dataframe(table, hide_index=True, key="cmp_table", column_config=compare.metric_columns(table))
note = compare.uncertainty_note(runs)
st.download_button(
    "Download the table (CSV)", compare.metrics_csv(table, [r.entry.name for r in runs]), "vae-lab-metrics.csv",
    mime="text/csv", key="cmp_csv", icon=":material/download:", help=compare.csv_help(note),
)  # fmt: skip
if note:
    st.caption(note)
if absent:
    st.caption(
        f"Not shown: {', '.join(absent)}. Disentanglement metrics need data with ground-truth "
        "factors, and none of these runs was trained on such data."
    )
missing = {r.entry.name: compare.missing_groups(r) for r in runs}
missing = {k: v for k, v in missing.items() if v}
m1, m2 = st.columns([1, 3], vertical_alignment="center")
quick = m1.toggle("Quick mode", value=True, key="cmp_quick",
                  help="Fewer samples: seconds instead of minutes, with noisier figures.")  # fmt: skip
if missing:
    m2.caption("Missing: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in missing.items()))
if m2.button("Compute missing metrics", key="cmp_compute", disabled=not missing,
             icon=":material/calculate:"):  # fmt: skip
    compare.compute_missing(runs, quick)
    st.rerun()

# Below the metrics, opened when wanted: their charts cost a first visit its time (issue 28).


def over_seeds() -> None:
    st.markdown(
        "One training is one draw: the same recipe with another seed can land elsewhere. Each "
        "chosen model's recipe, every seed of it that is installed, with its scores and UDR."
    )
    seeds.section(runs)


def rate_and_distortion() -> None:
    st.markdown(
        "Every run pays a *rate* (the KL: nats spent on the code) to lower its *distortion* (the "
        "reconstruction error). Raising β buys a cheaper code with worse reconstructions: the runs "
        "slide along a curve. Dotted lines join points of equal ELBO."
    )
    table = [compare.run_metrics(r) for r in runs]
    st.plotly_chart(
        rate_distortion(
            [r.entry.name for r in runs],
            [float(t.get("kl", float("nan"))) for t in table],
            [float(t.get("recon", float("nan"))) for t in table],
            [compare.beta_of(r) for r in runs],
        ),
        key="cmp_rd",
    )  # fmt: skip


for title, key, icon, draw in (
    (compare.SEEDS_TITLE, compare.SEEDS_KEY, ":material/stacked_line_chart:", over_seeds),
    (compare.RD_TITLE, compare.RD_KEY, ":material/show_chart:", rate_and_distortion),
):
    box = shell.lazy_section(title, key, icon)
    if box is not None:
        with box:
            draw()
