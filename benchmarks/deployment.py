"""What the benchmarks share: the one local-deployment launcher (tests/python/local_deployment.py,
also used by the Python tests) and a percentile."""
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from local_deployment import Deployment, stop_processes  # noqa: E402,F401 (the benchmarks import them from here)
from polling import wait_for  # noqa: E402,F401 (the benchmarks import it from here)


def percentile(values, fraction):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
