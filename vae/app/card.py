"""The sidebar's model card: what a model is, read from its folder's JSON files.

Read from ``config.json`` and ``summary.json`` only, so that Home draws it without torch or
the model (issue 28); the page that uses the model loads it.
"""

from __future__ import annotations

import streamlit as st

from vae.model import objectives
from vae.runs.catalog import ModelEntry, ModelInfo


def model_card(entry: ModelEntry, info: ModelInfo) -> None:
    """The sidebar's card of a model, from its folder's JSON files (config.json's ``model``)."""
    cfg, summary = info.model, info.summary
    latent_dim, flow = cfg.get("latent_dim"), info.flow
    lines = [
        f"**{entry.title}**",
        f"data: `{info.dataset}` {tuple(info.input_shape)} · {cfg.get('architecture')} · "
        f"z={latent_dim}",
        objectives.caption(cfg, input_shape=info.input_shape)
        + f" · flow: {flow}"
        + (f"×{cfg.get('flow_length')}" if flow != "none" else "")
        + (f" · conditional ({cfg.get('n_classes')} classes)" if info.conditional else ""),
    ]
    extras = []
    if cfg.get("free_bits"):
        extras.append(f"free bits {cfg['free_bits']:g} ({cfg.get('free_bits_mode')})")
    if cfg.get("input_dropout") or cfg.get("latent_dropout"):
        extras.append(
            f"dropout x {cfg.get('input_dropout') or 0:g} / z {cfg.get('latent_dropout') or 0:g}"
        )
    if extras:
        lines.append(" · ".join(extras))
    if "elbo" in summary:
        lines.append(
            f"test ELBO **{summary['elbo']:.2f}** nats · active units **{summary.get('active_units', '?')}**"
            f"/{latent_dim}"
        )
    if summary.get("mig") is not None:
        sd = summary.get("uncertainty", {})
        scores = [
            f"{title} **{summary[key]:.2f}**" + (f" ± {sd[key]:.2f}" if key in sd else "")
            for key, title in (("mig", "MIG"), ("dci_disentanglement", "DCI D"))
            if summary.get(key) is not None
        ]
        protocol = "quick" if summary.get("protocol", {}).get("quick") else "full"
        lines.append(
            " · ".join(scores) + f" ({protocol} protocol; ± from a bootstrap for MIG, "
            "from split halves for DCI)"
        )
    if entry.description:
        lines.append(entry.description)
    st.sidebar.markdown("  \n".join(lines))
