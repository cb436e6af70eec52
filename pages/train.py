"""Train: set up a VAE, start it in its own process, watch it learn, stop, resume, compare."""

from __future__ import annotations

import streamlit as st

from vae.app import data_facts, preload, shell, train, train_form
from vae.errors import VAELabError
from vae.figures.training import compare_figure
from vae.jobs import arguments, supervisor
from vae.jobs import queue as run_queue
from vae.model import settings as settings_table
from vae.runs import store as runs
from vae.runs import uploads

shell.ensure_shell()  # a page URL on a fresh server still goes through app.py

st.title("Train a VAE")
st.caption(
    "Training runs as `python -m vae train` in its own process: it goes on when you leave the "
    f"page and its run folder (`{runs.runs_root()}`) keeps everything. At most "
    f"{'one training runs' if run_queue.max_trainings() == 1 else f'{run_queue.max_trainings()} trainings run'} at once (`{run_queue.MAX_ENV}`); the others wait "
    "in the queue below and start by themselves."
)


@st.fragment
def setup() -> None:
    st.subheader("Set up a run")
    if st.session_state.pop("train_name_used", False):
        st.session_state["train_name"] = ""  # a name is used once; the next run gets its own
    c_source, c_data, c_size = st.columns([1, 2, 1])
    source = c_source.radio("Data", ["built-in", "upload"], key="train_source", horizontal=True)
    if source == "built-in":
        builtin = data_facts.descriptions()
        name = c_data.selectbox(
            "Data set", list(builtin), key="train_dataset",
            help="mnist, fashion-mnist and dsprites need their files (see --data-dir).",
        )  # fmt: skip
        c_data.caption(builtin[name])
    else:
        uploaded = c_data.file_uploader(
            "Your data: .npz (x, optional y), .npy, .csv, or a .zip of images (class sub-folders "
            "become labels)", type=["npz", "npy", "csv", "zip"], key="train_upload",
        )  # fmt: skip
        if uploaded is None:
            st.info("Upload a data file to set up a run on it.")
            return
        try:
            name = str(uploads.store_upload(uploaded.name, uploaded.getvalue()))
        except VAELabError as exc:
            shell.report_error(exc)  # checked before anything is written: nothing is kept
            return
    try:  # a built-in's facts without loading it: no torch on a first visit (issue 28)
        data = train.facts(name)
    except VAELabError as exc:
        shown = st.session_state.get("train_upload")
        # Name the file as the person knows it, not by where the upload was kept.
        shell.report_error(type(exc)(str(exc).replace(name, shown.name)) if shown else exc)
        return
    train_form.sync_defaults(name, data.defaults)
    native = data.native_size
    if native is not None:
        size = train_form.image_size_box(c_size)
        if size and int(size) != native:
            try:
                data = train.facts(name, int(size))
            except VAELabError as exc:
                shell.report_error(exc)
                return
    shape = "×".join(str(s) for s in data.input_shape)
    if data.vocabulary_size is not None:  # text: rows of token ids
        shape = (f"up to {data.input_shape[0] - 1} {data.tokenisation} tokens "
                 f"(a vocabulary of {data.vocabulary_size:,})")  # fmt: skip
    labels = f", {data.n_classes} classes" if data.has_labels else ", no labels"
    st.caption(f"{data.n_train} training and {data.n_test} test examples of {shape}{labels}.")

    train_form.draw(data)
    c = st.columns(4)
    c[0].text_input("Run name", key="train_name", placeholder="automatic")
    train_form.remember_form()
    started = st.session_state.pop("train_started", None)
    if started:
        st.success(f"Started **{shell.plain(started)}**: its curves are under Runs above.")
        train.scroll_to_watch()
    refused = train_form.problem(name, native)
    if refused:
        st.error(f"Not started: {refused}", icon=":material/error:")
    if st.button("Start training", type="primary", key="start", icon=":material/play_arrow:",
                 disabled=bool(refused)):  # fmt: skip
        settings = train_form.values(name, native)
        if train.pressed_again(settings):
            st.info("That run was started a moment ago; one press starts one run.")
            return
        capped = train.over_session_cap()
        if capped:
            st.error(capped)
            return
        try:
            arguments.validate(settings, train.dataset(name, settings.get("image_size")))
            run_dir = run_queue.submit(settings, st.session_state.get("train_name") or None)
        except VAELabError as exc:
            shell.report_error(exc)
            return
        # The watch box is drawn above the form: its value changes on the next run, before it.
        st.session_state[train.WATCH_NEXT_KEY] = run_dir.name
        train.started_here(run_dir.name)
        st.session_state["train_name_used"] = True
        st.session_state["train_started"] = run_dir.name
        st.rerun()


def watch(name: str, activity: dict[str, bool], poll: float | None) -> None:
    """The live view of one run; polls the run folder while any run is active (``poll`` s)."""
    run_queue.dispatch()  # queued runs start when a slot frees, even if no training finished it
    run_dir = runs.runs_root() / name
    if train.run_activity() != activity:
        st.rerun()  # a run appeared, went or ended: refresh the list and buttons (or stop polling)
    info = runs.run_info(run_dir)
    queue = run_queue.queue()
    label = train.state_label(info, queue)
    st.markdown(f"### {shell.plain(name)} · {label}")
    if info.state == "failed":
        st.error(info.message or supervisor.last_error(run_dir))
    elif info.message:
        st.caption(info.message)
    train.show_progress(run_dir)
    train.show_charts(run_dir)
    train.show_reconstructions(run_dir)
    if info.state == "failed":
        with st.expander("Training log"):
            st.code(supervisor.log_tail(run_dir, 40) or "(empty)")
    if train.watch_poll(info, queue, poll is not None) != poll:
        st.rerun()  # after drawing: poll at the pace watch_poll says from now on


def actions(info: runs.RunInfo) -> None:
    """Stop, resume, open and delete the watched run (in class mode, only this tab's own)."""
    c = st.columns([1, 1.4, 1, 1])
    if not train.may_control(info.name):
        st.caption(
            "Started from another tab: in class mode (`VAE_LAB_CLASS_MODE=1`) only the tab that "
            "started a run stops, resumes or deletes it; you can still watch it and use it."
        )
    elif train.is_active(info.state):
        if c[0].button("Stop", key="stop", icon=":material/stop:"):
            run_queue.cancel(info.path)
            st.rerun()
    else:
        # A run from the CLI or an older version may record more epochs than the form allows:
        # the box starts inside its bounds instead of raising.
        high = int(settings_table.by_name()["epochs"].high)
        epochs = c[1].number_input(
            "Train up to epoch", 1, high, value=min(max(info.epochs, 1), high), key="resume_epochs"
        )
        verb = "Continue" if info.state == "completed" else "Resume"
        if c[0].button(verb, key="resume", icon=":material/replay:"):
            try:
                run_queue.resume(info.path, int(epochs))
            except VAELabError as exc:
                shell.report_error(exc)
            else:
                st.rerun()
        if c[3].button("Delete…", key="delete", icon=":material/delete:"):
            st.session_state[train.CONFIRM_KEY] = info.name
    if runs.RunDir(info.path).has_weights() and c[2].button(
        "Use in the sidebar", key="use_run", help="Explore this run on the other pages."
    ):
        shell.switch_to(info.name)
        st.rerun()
    if st.session_state.get(train.CONFIRM_KEY) == info.name:
        st.warning(
            f"Delete the run **{shell.plain(info.name)}** and all its files? This cannot be undone."
        )
        yes, no = st.columns([1, 6])
        if yes.button("Yes, delete", key="delete_yes", type="primary"):
            try:
                runs.delete_run(info.path)
            except VAELabError as exc:
                shell.report_error(exc)
            else:
                st.session_state.pop(train.CONFIRM_KEY, None)
                st.session_state.pop(train.WATCH_KEY, None)
                st.rerun()
        if no.button("Cancel", key="delete_no"):
            st.session_state.pop(train.CONFIRM_KEY, None)
            st.rerun()


def run_list() -> None:
    """Every run with its state and key figures; the queue in the order it will start."""
    queue = run_queue.queue()
    st.dataframe(train.run_table(runs.list_runs(), queue), hide_index=True, width="stretch")
    if queue:
        st.caption(f"{len(queue)} run(s) waiting for a free slot; they start in the order listed.")


def runs_section() -> bool:
    """The runs and the watched run's live view; False when there is no run yet."""
    run_queue.dispatch()
    infos = runs.list_runs()
    st.subheader("Runs")
    if not infos:
        st.info("No runs yet: set one up below and press Start.")
        train.show_empty_charts()
        return False
    preload.preload_charts_now()  # the live curves' code, while the rest of the page runs
    shell.figure_modules()  # whole before the first figure: Train skips shell.prepare_pages
    activity = train.run_activity(infos)
    polling = train.any_active(infos)
    st.fragment(run_list, run_every=train.POLL_SECONDS if polling else None)()
    names = [i.name for i in infos]
    if st.session_state.get(train.WATCH_NEXT_KEY) in names:
        st.session_state[train.WATCH_KEY] = st.session_state.pop(train.WATCH_NEXT_KEY)
    if st.session_state.get(train.WATCH_KEY) not in names:
        st.session_state[train.WATCH_KEY] = names[0]
    name = st.selectbox("Watch run", names, key=train.WATCH_KEY)
    info = next(i for i in infos if i.name == name)
    actions(info)
    poll = train.watch_poll(info, run_queue.queue(), polling)
    st.fragment(watch, run_every=poll)(name, activity, poll)
    with st.expander("Compare runs"):
        chosen = st.multiselect("Runs", names, default=names[:2], key="train_compare")
        if chosen:
            series = {n: runs.read_metrics(runs.runs_root() / n, "epoch") for n in chosen}
            st.plotly_chart(compare_figure(series), key="train_compare_chart", width="stretch")
    return True


has_runs = runs_section()
st.divider()
setup()
if not has_runs:
    train.preload_after_drawn()
