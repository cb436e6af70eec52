"""The former name of ``vae.report`` (``python -m vae evaluate``), kept as an import path."""

from vae.report import METRIC_GROUPS, dataset_of, evaluate_model, evaluate_run, format_table

__all__ = ["METRIC_GROUPS", "dataset_of", "evaluate_model", "evaluate_run", "format_table"]
