"""The input checks every metric shares."""

from __future__ import annotations

import numpy as np
import pytest
from metric_codes import SIZES, perfect_code, sample_factors

from vae.errors import ConfigError, DataError
from vae.metrics.mig import mig
from vae.metrics.sap import sap


def test_metrics_refuse_mismatched_or_broken_input():
    factors = sample_factors(100, SIZES)
    codes = perfect_code(factors)
    with pytest.raises(DataError, match="rows"):
        mig(codes[:50], factors)
    broken = codes.copy()
    broken[3, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        mig(broken, factors)
    with pytest.raises(DataError, match="dimensions"):
        sap(codes[:50], factors[:50], codes[50:, :2], factors[50:])
    with pytest.raises(ConfigError, match="n_bins"):
        mig(codes, factors, n_bins=1)
