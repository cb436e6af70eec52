"""The command line: ``python -m vae train | evaluate | runs | bench``.

Bad input ends with one line on stderr (``error: ...``) and exit status 2; a
bug still shows its traceback. Options left out take the data set's defaults
(listed by ``--help``), then the config dataclasses' defaults.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

from vae.config import (
    BETA_SCHEDULES,
    DEVICES,
    FLOWS,
    FREE_BITS_MODES,
    LIKELIHOODS,
    PRECISIONS,
)
from vae.errors import VAELabError

log = logging.getLogger("vae")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the usage is one --help away.
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a VAE into a run directory",
        description="Train a VAE into RUN_DIR. Options left out take the data set's defaults "
        "(e.g. digits: mlp, 8 latents, 40 epochs; shapes: conv, 10 latents).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--dataset",
        default="digits",
        help="built-in name (digits, shapes, moons, pinwheel, "
        "rings, gaussians, mnist, fashion-mnist, dsprites) or a path (.npz, .csv, image folder or .zip)",
    )
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="run directory to write (must be new unless --resume)",
    )
    p.add_argument("--latent-dim", type=int, help="number of latent dimensions (data set default)")
    p.add_argument(
        "--beta", type=float, help="weight of the KL term; 1 is the plain VAE (default 1)"
    )
    p.add_argument(
        "--beta-schedule",
        choices=BETA_SCHEDULES,
        help="how β evolves over training (default constant)",
    )
    p.add_argument(
        "--capacity-max",
        type=float,
        help="final capacity C in nats for --beta-schedule capacity (default 25)",
    )
    p.add_argument(
        "--warmup-fraction",
        type=float,
        help="fraction of training for the linear warm-up (default 0.3)",
    )
    p.add_argument(
        "--n-cycles", type=int, help="number of cycles for the cyclical schedule (default 4)"
    )
    p.add_argument(
        "--epochs",
        type=int,
        help="number of epochs; with --resume, the new total (data set default)",
    )
    p.add_argument(
        "--epoch-size",
        type=int,
        help="examples per epoch for data too large to sweep (shapes default 32768)",
    )
    p.add_argument("--batch-size", type=int, help="examples per step (data set default)")
    p.add_argument("--lr", type=float, help="Adam learning rate (default 1e-3)")
    p.add_argument(
        "--seed", type=int, default=0, help="random seed: the same seed gives the same run"
    )
    p.add_argument(
        "--architecture",
        choices=("mlp", "conv"),
        help="encoder/decoder networks (data set default)",
    )
    p.add_argument(
        "--hidden-dims",
        type=lambda s: tuple(int(v) for v in s.split(",")),
        help="MLP hidden layer sizes, comma separated (default 512,256)",
    )
    p.add_argument(
        "--likelihood",
        choices=LIKELIHOODS,
        help="p(x|z): bernoulli for images, gaussian for "
        "points and tabular data (data set default)",
    )
    p.add_argument("--flow", choices=FLOWS, help="normalizing-flow posterior (default none)")
    p.add_argument("--flow-length", type=int, help="number of flow steps K (default 4)")
    p.add_argument(
        "--conditional", action="store_true", help="conditional VAE on the data's class labels"
    )
    p.add_argument(
        "--free-bits", type=float, help="KL floor λ in nats per latent dimension (default 0: off)"
    )
    p.add_argument(
        "--free-bits-mode",
        choices=FREE_BITS_MODES,
        help="batch: floor the batch-averaged KL "
        "(Kingma et al. 2016); example: clamp each example's KL (CALM) (default batch)",
    )
    p.add_argument(
        "--input-dropout",
        type=float,
        help="dropout on the input x in training (default 0; CALM 0.15)",
    )
    p.add_argument(
        "--latent-dropout",
        type=float,
        help="dropout on the latent z in training (default 0; CALM 0.15)",
    )
    p.add_argument(
        "--image-size", type=int, help="render size for shapes, resize size for image folders"
    )
    p.add_argument(
        "--data-dir",
        help="folder with MNIST/Fashion-MNIST IDX files or the dSprites .npz "
        "(else $VAE_LAB_DATA, else the download cache)",
    )
    p.add_argument(
        "--early-stopping", type=int, help="stop after this many epochs without a better test ELBO"
    )
    p.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="where to train: auto picks CUDA when present",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="arithmetic of the encoder and decoder in training: auto (default) uses "
        "bfloat16 for conv networks on CPUs/GPUs with native bfloat16, else fp32",
    )
    p.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last checkpoint"
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from vae.evaluate_run import METRIC_GROUPS

    p = sub.add_parser(
        "evaluate",
        help="evaluate a trained run or bundled model",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("run_dir", type=Path, help="run directory or bundled model folder")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument(
        "--k", type=int, default=1000, help="importance samples for the log-likelihood (1 to 5000)"
    )
    p.add_argument(
        "--metrics",
        nargs="+",
        choices=METRIC_GROUPS,
        help="which groups to compute (default: all that apply to the data)",
    )
    p.add_argument(
        "--quick", action="store_true", help="smaller samples for the disentanglement metrics"
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed of every random draw in the evaluation"
    )
    p.add_argument(
        "--save", action="store_true", help="also write the result to the run's summary.json"
    )


def _add_runs(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("runs", help="list runs with their status and key figures")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.add_argument("--root", type=Path, help="runs folder (default $VAE_LAB_RUNS or runs/)")


def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure training and rendering speed on this machine")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--seconds", type=float, default=3.0, help="time spent on each figure")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m vae", description="VAE Lab: train, evaluate and list VAEs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_train(sub)
    _add_evaluate(sub)
    _add_runs(sub)
    _add_bench(sub)
    return parser


def _train_overrides(args: argparse.Namespace) -> dict[str, Any]:
    names = [
        "latent_dim", "beta", "beta_schedule", "capacity_max", "warmup_fraction", "n_cycles",
        "epochs", "epoch_size", "batch_size", "lr", "seed", "architecture", "hidden_dims",
        "likelihood", "flow", "flow_length", "free_bits", "free_bits_mode", "input_dropout",
        "latent_dropout", "image_size", "data_dir", "early_stopping", "device",
        "precision",
    ]  # fmt: skip
    out = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.conditional:
        out["conditional"] = True
    out["dataset"] = args.dataset
    return out


class _ProgressPrinter:
    """A tqdm bar on a terminal, one plain line per epoch otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None
        self.tty = sys.stderr.isatty()

    def __call__(self, record: dict[str, Any]) -> None:
        if self.quiet:
            return
        if self.tty:
            from tqdm import tqdm

            if self.bar is None:
                self.bar = tqdm(total=record["total_steps"], unit="step", dynamic_ncols=True)
            self.bar.update(record["step"] - self.bar.n)
            key = "test_elbo" if record["type"] == "epoch" else "elbo"
            self.bar.set_postfix(epoch=int(record["epoch"]), **{key: f"{record[key]:.2f}"})
        elif record["type"] == "epoch":
            print(
                f"epoch {record['epoch']}/{record['epochs']}  test ELBO {record['test_elbo']:.3f}  "
                f"recon {record['test_recon']:.3f}  KL {record['test_kl']:.3f}  "
                f"active {record['active_units']}  {record['samples_per_s']:.0f} samples/s",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_train(args: argparse.Namespace) -> int:
    from vae import runs
    from vae.training import configs_for, train

    if args.resume:
        from vae.config import TrainConfig

        saved = runs.read_json(args.out / "config.json", {}) or {}
        epochs = args.epochs or saved.get("train", {}).get("epochs", 1)
        model_config, train_config, data = (
            None,
            TrainConfig(epochs=epochs, device=args.device),
            None,
        )
    else:
        model_config, train_config, data = configs_for(_train_overrides(args))
    printer = _ProgressPrinter(args.quiet)
    try:
        run_dir = train(
            model_config, train_config, args.out, resume=args.resume, data=data, progress=printer
        )
    finally:
        printer.close()
    status = runs.read_status(run_dir)
    summary = runs.read_json(run_dir / runs.SUMMARY_FILE, {}) or {}
    if status.get("state") == "failed":
        print(f"error: training failed: {status.get('message')}", file=sys.stderr)
        return 1
    if not args.quiet:
        line = f"{status.get('state')}: {run_dir}"
        if "elbo" in summary:
            line += f"  test ELBO {summary['elbo']:.3f} nats  log p(x) ≥ {summary.get('log_likelihood', float('nan')):.3f}"
            line += f"  active units {summary.get('active_units')}"
        print(line, file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from vae.evaluate_run import evaluate_run, format_table

    result = evaluate_run(
        args.run_dir,
        k=args.k,
        metrics=args.metrics,
        quick=args.quick,
        seed=args.seed,
        save=args.save,
    )
    print(json.dumps(result) if args.json else format_table(result))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from vae.runs import list_runs

    infos = list_runs(args.root)
    if args.json:
        print(json.dumps([i.as_dict() for i in infos]))
        return 0
    if not infos:
        print("no runs yet: python -m vae train --dataset digits --out runs/digits")
        return 0
    print(
        f"{'run':<24} {'state':<12} {'data':<12} {'epoch':>9} {'z':>3} {'beta':>5} {'test ELBO':>10} {'AU':>3}"
    )
    for i in infos:
        elbo = "" if i.test_elbo is None else f"{i.test_elbo:.2f}"
        beta = "" if i.beta is None else f"{i.beta:g}"
        print(
            f"{i.name:<24} {i.state:<12} {i.dataset[:12]:<12} {f'{i.epoch}/{i.epochs}':>9} "
            f"{i.latent_dim or '':>3} {beta:>5} {elbo:>10} {i.active_units if i.active_units is not None else '':>3}"
        )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from vae.bench import run_bench

    result = run_bench(seconds=args.seconds)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<40} {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    args = build_parser().parse_args(argv)
    commands = {"train": cmd_train, "evaluate": cmd_evaluate, "runs": cmd_runs, "bench": cmd_bench}
    try:
        return commands[args.command](args)
    except VAELabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
