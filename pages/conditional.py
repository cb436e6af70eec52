"""Conditional generation: samples of a chosen class, style against content, class interpolation."""

from __future__ import annotations

import streamlit as st

from vae.analysis import latent
from vae.app import controls, modality, pictures, shell
from vae.runs import catalog

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("Conditional generation")
st.markdown(
    "A **conditional VAE** (Sohn et al. 2015) gives the class label y to both encoder and "
    "decoder. The label already says *what* to draw (the content), so the code z only needs to "
    "carry *how* it is drawn (the style: thickness, slant, size…). Pick a class and sample, or "
    "keep z fixed and change y."
)

selected = shell.current()
if selected is not None and not selected.info.conditional:
    # The best example first: the page shows the bundled conditional model of the same kind
    # of data (digits → digits-cvae, otherwise mnist-cvae) instead of only a notice.
    suggested = catalog.find_bundled(
        "digits-cvae" if selected.info.dataset == "digits" else "mnist-cvae"
    ) or catalog.find_bundled("mnist-cvae")
    st.info(
        f"“{selected.entry.title}” is not conditional: its decoder sees only z, so there is no "
        "class to choose. "
        + (f"Shown here: the bundled “{suggested.title}”. " if suggested else "")
        + "Train your own with the **Conditional** option on the Train page.",
        icon=":material/info:",
    )
    link, use = st.columns(2, vertical_alignment="center")
    link.page_link(
        "pages/train.py", label="Train a conditional VAE", icon=":material/model_training:"
    )
    if suggested is None:
        st.stop()
    use.button(
        f"Use “{suggested.title}” in the sidebar", on_click=shell.switch_to,
        args=(suggested.name,), key="use_suggested",
    )  # fmt: skip
    selected = shell.load_named(suggested.name)
if not shell.require(
    selected, lambda info: info.conditional and modality.of(info).shows_pictures, "a conditional image model",
    "mnist-cvae",
):  # fmt: skip
    st.stop()

model, data = selected.model, selected.data
n_classes = model.config.n_classes
class_names = data.class_names or [str(c) for c in range(n_classes)]
latent_dim = model.config.latent_dim

# --- 1. samples of one class -----------------------------------------------------------------

s1, s2, s3, s4 = shell.section(
    "1 · Samples of one class",
    "Each picture decodes a fresh z drawn from the prior N(0, T²I) under the chosen label. "
    "The *temperature* T scales the draws: below 1 the samples are typical and alike, above 1 "
    "they are varied and stranger.",
    4,
)
with s1:
    cls = controls.class_picker(selected, "Class", "cond_class")
count = s2.slider("Samples", 4, 64, 16, step=4, key="cond_count")
temperature = s3.slider("Temperature", 0.1, 2.0, 1.0, step=0.1, key="cond_temp")
with s4:
    seed = controls.seed_picker("Seed", "cond_seed")
z = latent.prior_samples(count, latent_dim, temperature, seed)
samples = latent.decode(model, z, cls)
sample_grid = pictures.picture(samples, ncol=8, target=72)
st.image(sample_grid, caption=f"{count} samples of class {class_names[cls]} at T = {temperature:g}",
         output_format="PNG")  # fmt: skip
pictures.downloads(f"samples-{class_names[cls]}", sample_grid, None, "cond_samples")

# --- 2. style and content ---------------------------------------------------------------------

w1, w2, w3 = shell.section(
    "2 · One code under every class: style against content",
    "Each **row** is one code z (from an encoded test example, or from the prior); each "
    "**column** decodes it under another label. Along a row the digit changes but the "
    "handwriting stays: z carries the style, y the content.",
    [1, 1, 2],
)
rows_from = w1.radio("Rows from", ["Test examples", "Prior samples"], key="cond_rows_from")
n_rows = w2.slider("Rows", 1, 8, 4, key="cond_rows")
with w3:
    if rows_from == "Test examples":
        first = controls.index_picker(
            "First test example", "cond_first", len(data.test) - n_rows + 1
        )
        examples = data.test.x[first : first + n_rows]
        codes = latent.encode_mean(model, examples, data.test.y[first : first + n_rows])
    else:
        examples = None
        codes = latent.prior_samples(
            n_rows, latent_dim, seed=controls.seed_picker("Seed", "cond_rows_seed")
        )
swap_codes, swap_labels = latent.class_swap(codes, n_classes)
swapped = latent.decode(model, swap_codes, swap_labels)
columns = st.columns(n_classes + (examples is not None))
if examples is not None:
    columns[0].image(
        pictures.picture(examples, ncol=1, target=64), caption="input", output_format="PNG"
    )
for c in range(n_classes):
    strip = pictures.picture(swapped[c::n_classes], ncol=1, target=64)
    columns[c + (examples is not None)].image(strip, caption=f"y = {class_names[c]}",
                                              output_format="PNG")  # fmt: skip

# --- 3. between two classes -------------------------------------------------------------------

i1, i2, i3, i4 = shell.section(
    "3 · From one class to another at a fixed z",
    "The decoder reads the label as a one-hot vector, so it also accepts mixtures: "
    "(1 − t)·onehot(a) + t·onehot(b). Keeping z fixed and sliding t from 0 to 1 morphs one class "
    "into the other in the same style.",
    4,
)
with i1:
    code_index = controls.index_picker("Style from test example", "cond_mix_index", len(data.test))
with i2:
    class_a = controls.class_picker(selected, "From class", "cond_mix_a", 0)
with i3:
    class_b = controls.class_picker(selected, "To class", "cond_mix_b", min(1, n_classes - 1))
steps = i4.slider("Frames", 3, 24, 8, key="cond_mix_steps")
x_style = data.test.x[code_index : code_index + 1]
z_style = latent.encode_mean(model, x_style, data.test.y[code_index : code_index + 1])[0]
mix = latent.decode_label_mix(model, z_style, latent.label_mix(class_a, class_b, n_classes, steps))
mix_strip = pictures.picture(mix, ncol=steps, target=80)
st.image(mix_strip, caption=f"{class_names[class_a]} → {class_names[class_b]} in {steps} frames",
         width="stretch", output_format="PNG")  # fmt: skip
pictures.downloads(
    f"class-{class_names[class_a]}-to-{class_names[class_b]}", mix_strip,
    pictures.frames_of(mix, target=128), "cond_mix",
)  # fmt: skip
