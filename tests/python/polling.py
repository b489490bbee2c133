"""One polling helper for the tests and the benchmarks."""
import time


def wait_for(condition, timeout=15.0, interval=0.05):
    """Polls `condition` (exceptions count as False) until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False
