"""What the benchmarks share: the one local-deployment launcher (tests/python/local_deployment.py,
also used by the Python tests), a percentile, and a process's CPU and memory from /proc."""
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


def process_sample(pid):
    """(CPU seconds used so far, RSS in kB) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as handle:
        # The command name may hold spaces; the fields after it are fixed.
        fields = handle.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    rss = 0
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return cpu, rss
