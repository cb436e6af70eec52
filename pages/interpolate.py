"""Interpolate: one slider per latent dimension, A → B paths and traversal grids."""

from __future__ import annotations

import streamlit as st

from vae.analysis import latent
from vae.app import charts, controls, factors, links, modality, own_input, pictures, shell
from vae.figures.interpolate import latent_path, points_path

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("Interpolate")
st.markdown(
    "The decoder turns **any** code z into an example, not only the codes of real data. Move "
    "through latent space and watch what comes out: one slider per dimension, a straight or "
    "spherical path from A to B, and a *traversal* that changes one dimension at a time."
)

selected = shell.require_current(lambda info: info.latent_dim > 0, "a trained model", "mnist-16d")

model, info = selected.model, selected.info
seam = modality.of(info)
shows_pictures, shows_text = seam.shows_pictures, seam.display == "text"
dims = controls.dimensions(selected)
n_active = int(dims.active.sum())

# --- 1. a code and its sliders -------------------------------------------------------------

st.header("1 · A code, one slider per dimension")
inactive_note = (
    " The others are marked *inactive*: the model ignores them, so moving them changes almost "
    "nothing."
    if n_active < len(dims.kl)
    else ""
)
st.markdown(
    "Start from an example's code (its posterior mean) or a draw from the prior N(0, I). The "
    "sliders are ordered by how much each dimension carries (its KL, in nats): the top ones "
    f"change the decoded example most. {n_active} of {len(dims.kl)} dimensions are active.{inactive_note}"
)
start = controls.start_picker(selected, "interp", link=True)  # ?a_from= ?a= ?a_seed=
if start is None:
    st.stop()
limit = controls.slider_limit(start.z)
controls.sync_sliders(selected, start, limit)
controls.link_sliders(selected, start, limit)  # ?z=z0,z1,...


@st.fragment
def live_decoder() -> None:
    """Only this part reruns when a slider moves: decoding one code takes well under a millisecond."""
    left, right = st.columns([3, 2], gap="large")
    order = dims.order
    with left:
        columns = st.columns(2 if len(order) > 6 else 1)
        for i, d in enumerate(order):
            columns[i * len(columns) // len(order)].slider(
                dims.label(d), -limit, limit, step=0.05, key=controls.slider_key(selected, d),
                help=f"z{d}: start value {float(start.z[d]):+.2f}",
            )  # fmt: skip
        st.button(
            "Reset to the start code", key="interp_reset", icon=":material/restart_alt:",
            on_click=controls.reset_sliders, args=(selected, start.z, limit),
        )  # fmt: skip
    controls.publish_sliders(selected, start, limit)
    z = controls.slider_code(selected, start.z)
    decoded = latent.decode(model, z, start.y)
    with right:
        if shows_pictures:
            shown, decoded_col = st.columns(2) if start.x is not None else (None, st.container())
            if shown is not None:
                shown.image(
                    pictures.picture(start.x[None], target=160),
                    caption=start.description,
                    output_format="PNG",
                )
                modality.play(seam, start.x, shown)
            decoded_col.image(
                pictures.picture(decoded, target=160),
                caption="decoded from the sliders",
                output_format="PNG",
            )
            modality.play(seam, decoded, decoded_col)
        elif shows_text:
            if start.x is not None:
                st.markdown(
                    f"**{start.description}:** {shell.plain(seam.render(start.x[None])[0])}"
                )
            st.markdown(
                f"**decoded from the sliders (greedy):** {shell.plain(seam.render(decoded)[0])}"
            )
            beam = model.generate(z[None], start.y, method="beam")
            st.markdown(f"**beam search (5 beams):** {shell.plain(seam.render(beam)[0])}")
        else:
            st.plotly_chart(
                points_path(selected.data.test.x.numpy(), [], decoded.numpy()),
                key="interp_live_points",
            )
        st.caption("code: " + ", ".join(f"z{d}={float(z[d]):+.2f}" for d in range(z.shape[0])))


live_decoder()

# --- 2. A → B --------------------------------------------------------------------------------

st.header("2 · From A to B")
st.markdown(
    "A is the start code above, B another example or prior sample. *Linear* walks the straight "
    "line; *spherical* (slerp) follows the great circle, which keeps the path at the distance "
    "from the origin where N(0, I) puts its mass. Each frame is the decoding of one point on the "
    "path; the map shows the path among the codes of the test set."
)
c1, c2, c3 = st.columns([2, 1, 1])
with c1:
    mine = own_input.stored(selected)
    b_sources = ["Test example", "Prior sample"] + (["Your own input"] if mine is not None else [])
    if shows_text:
        b_sources.insert(1, controls.TYPED)
    b_tokens = {t: s for t, s in controls.SOURCE_TOKENS.items() if s in b_sources}
    links.bind("b_from", "ab_source", links.choice(b_tokens), "Test example")
    b_source = st.radio("B", b_sources, horizontal=True, key="ab_source")
    if b_source == controls.TYPED:
        b_x = controls.typed_sentence(selected, "B: your sentence", "ab_b_typed",
                                      "she left the house in a hurry")  # fmt: skip
        if b_x is None:
            st.stop()
        b_y, z_b = None, latent.encode_mean(model, b_x[None])[0]
    elif b_source == "Your own input":
        b_y = None if start.y is None else mine.y
        z_b = latent.encode_mean(model, mine.x[None], None if b_y is None else [b_y])[0]
        st.caption(f"B is {mine.name}.")
    elif b_source == "Test example":
        b_index = controls.index_picker(
            "B: test example", "ab_b_index", len(selected.data.test),
            controls.other_class_index(selected, start), param="b",
        )  # fmt: skip
        b_x, b_label = controls.test_example(selected, b_index)
        b_y = None if start.y is None else b_label
        z_b = latent.encode_mean(model, b_x[None], None if b_y is None else [b_y])[0]
    else:
        b_seed = controls.seed_picker("B: prior sample (seed)", "ab_b_seed", param="b_seed")
        z_b = latent.prior_samples(1, model.config.latent_dim, seed=b_seed + 1)[0]
links.bind("path", "ab_method", links.choice(latent.METHODS), latent.METHODS[0], where=c2)
method = c2.radio("Path", latent.METHODS, key="ab_method",
                  format_func={"linear": "linear", "slerp": "spherical (slerp)"}.get)  # fmt: skip
links.bind("steps", "ab_steps", links.integer(3, 24), 10, where=c3)
steps = c3.slider("Frames", 3, 24, key="ab_steps")
path = latent.interpolate(start.z, z_b, steps, method)
frames = latent.decode(model, path, start.y)
lmap = controls.latent_map(selected)
if shows_pictures:
    strip = pictures.picture(frames, ncol=steps, target=96)
    st.image(
        strip, caption=f"A → B in {steps} frames ({method})", width="stretch", output_format="PNG"
    )
    modality.play_sequence(seam, frames, caption="the frames played from A to B")
    pictures.downloads("interpolation", strip, pictures.frames_of(frames, target=128), "ab")
if shows_text:  # Bowman et al. 2016's homotopy: the sentences along a path between two codes
    modality.strip(seam, frames, f"A → B in {steps} steps ({method}), each decoded greedily")
map_col, data_col = st.columns(2) if seam.display == "numbers" else (st.container(), None)
with map_col:  # read-only: SVG, so the page loads no chart code (issue 28)
    charts.svg(
        latent_path(
            lmap.points, lmap.projection(path.numpy()), lmap.labels, selected.data.class_names,
            lmap.projection.axis_titles, width=480 if data_col is not None else 960,
        ),
        key="ab_map",
    )  # fmt: skip
if data_col is not None:
    data_col.plotly_chart(
        points_path(selected.data.test.x.numpy(), frames.numpy()), key="ab_points"
    )

# --- 3. traversal ----------------------------------------------------------------------------

st.header("3 · Traversal: one dimension at a time")
if not (shows_pictures or shows_text):
    st.info("Traversal grids need an image or text model; here the A → B path above shows the "
            "decoder.")  # fmt: skip
    st.stop()
st.markdown(
    "Each row changes **one** dimension of the start code across the range, holding the others "
    "fixed; rows are ordered by KL, so the most informative dimension is on top. A dimension that "
    "changes one property of the picture (thickness, slant, position…) is *disentangled*."
)
t1, t2, t3 = st.columns(3)
links.bind("range", "trav_range", links.span(-4.0, 4.0), (-3.0, 3.0), where=t1)
# no value=: the session holds (low, high), which makes it a range slider
low, high = t1.slider("Range", -4.0, 4.0, step=0.25, key="trav_range")
links.bind("cols", "trav_cols", links.integer(3, 15), 9, where=t2)
cols = t2.slider("Columns", 3, 15, key="trav_cols")
only_active = t3.toggle(
    "Only active dimensions",
    value=n_active > 0 and n_active < len(dims.kl),
    key=f"trav_active_{selected.entry.name}",
)
rows = [d for d in dims.order if dims.active[d] or not only_active]
if not rows:
    st.info("No dimension is active in this model: switch off “Only active dimensions”.")
    st.stop()
values = latent.traversal_values(low, high, cols)
codes = latent.traversal_codes(start.z, rows, values)
grid_images = latent.decode(model, codes, start.y)
if shows_text:
    modality.text_grid(seam, grid_images, [f"z{d} (KL {dims.kl[d]:.2f})" for d in rows],
                       [f"{v:+.1f}" for v in values])  # fmt: skip
    st.caption(f"columns: z from {low:g} to {high:g}; centre code: {start.description}")
    st.stop()
view = factors.factor_view(selected, measure=False)  # named where already known
for r, d in enumerate(rows):
    label_col, row_col = st.columns([1, 8], vertical_alignment="center")
    held = view.row_label(d) if view is not None else f"z{d}"
    label_col.markdown(
        f"**{held}**  \nKL {dims.kl[d]:.2f}" + ("" if dims.active[d] else "  \n*inactive*")
    )
    row = grid_images[r * cols : (r + 1) * cols]
    row_col.image(pictures.picture(row, ncol=cols, target=64), output_format="PNG")
    modality.play_sequence(seam, row, row_col)
st.caption(f"columns: z from {low:g} to {high:g}; centre code: {start.description}")
whole = pictures.picture(grid_images, ncol=cols, target=64)
animation = [
    pictures.picture(frame, ncol=min(len(rows), 8), target=96)
    for frame in latent.traversal_frames(grid_images, len(rows), cols)
]
pictures.downloads("traversal", whole, animation, "trav", duration_ms=150)
