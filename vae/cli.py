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

from vae.errors import VAELabError
from vae.model import settings
from vae.model.setting import Setting

log = logging.getLogger("vae")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, not argparse's usage block: the usage is one --help away.
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _default_text(s: Setting) -> str:
    """The default that really applies, said once; data sets that differ are named."""
    shown = "off" if s.default is None or s.default is False else _shown(s.default)
    if not s.dataset_default:
        return f"default {shown}"
    from vae.data import BUILTIN_DEFAULTS

    by_value: dict[str, list[str]] = {}
    for name, values in BUILTIN_DEFAULTS.items():
        if s.name in values and _shown(values[s.name]) != shown:
            by_value.setdefault(_shown(values[s.name]), []).append(name)
    if not by_value:
        return f"default {shown}"
    sets = "; ".join(f"{'/'.join(names)} {value}" for value, names in by_value.items())
    return f"default {shown}; data set defaults: {sets}"


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _add_train(sub: argparse._SubParsersAction) -> None:
    from vae.data import BUILTIN_DATASETS
    from vae.model import objectives

    p = sub.add_parser(
        "train",
        help="train a VAE into a run directory",
        description="Train a VAE into RUN_DIR. Options left out take the data set's defaults "
        "(named in each option's help), then the settings table's (vae/settings.py).",
    )
    p.add_argument(
        "--dataset",
        default=settings.by_name()["dataset"].default,
        help=f"built-in name ({', '.join(BUILTIN_DATASETS)}) or a path (.npz, .csv, image "
        "folder or .zip) (default %(default)s)",
    )
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        help="run directory to write (must be new unless --resume)",
    )
    titles = {o.name: f"{o.name} objective" for o in objectives.registered()}
    groups: dict[str, argparse._ArgumentGroup] = {}
    for s in settings.cli_settings():
        if s.name == "dataset":
            continue
        title = titles.get(s.objective or "", f"{s.group.lower()} settings")
        group = groups.setdefault(title, p.add_argument_group(title))
        text = f"{s.help} ({_default_text(s)})".replace("%", "%%")
        if s.kind is bool:
            # A flag that is on by default is turned off with --no-<flag>.
            action = argparse.BooleanOptionalAction if s.default else "store_true"
            group.add_argument(s.option, action=action, default=None, help=text)
        else:
            group.add_argument(
                s.option,
                type=lambda v, s=s: settings.parse_cli_value(s, v),
                choices=s.choices,
                metavar=None if s.choices else s.name.upper(),
                help=text,
            )
    p.add_argument(
        "--resume", action="store_true", help="continue the run in --out from its last checkpoint"
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _add_evaluate(sub: argparse._SubParsersAction) -> None:
    from vae.analysis.report import METRIC_GROUPS, N_BOOTSTRAP

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
    p.add_argument("--binarize", action="store_true", help="also log p(x) on binarised test images")
    p.add_argument(
        "--bootstrap", type=int, default=N_BOOTSTRAP, metavar="N",
        help="resamples behind each score's uncertainty (0: no uncertainties)",
    )  # fmt: skip


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
    """The settings given on the command line (the others take the defaults)."""
    out = {s.name: getattr(args, s.name) for s in settings.cli_settings()}
    return {name: value for name, value in out.items() if value is not None}


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
    from vae.runs import store as runs
    from vae.training.configs import configs_for
    from vae.training.train import train

    if args.resume:
        from vae.model.config import TrainConfig

        saved = runs.RunDir(args.out).config()
        epochs = args.epochs or (saved.epochs if saved is not None else 0) or 1
        model_config, train_config, data = (
            None,
            TrainConfig(epochs=epochs, device=args.device or "auto"),
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
    from vae import threads
    from vae.analysis.report import evaluate_run, format_table

    threads.use(threads.training_threads())  # measured: all cores only where they pay

    result = evaluate_run(
        args.run_dir,
        k=args.k,
        metrics=args.metrics,
        quick=args.quick,
        seed=args.seed,
        save=args.save,
        binarize=args.binarize,
        n_bootstrap=args.bootstrap,
    )
    print(json.dumps(result) if args.json else format_table(result))
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    from vae.runs.store import list_runs

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
    from vae.bench.speed import run_bench

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
