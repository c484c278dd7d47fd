"""Run the safety state machine (tests/safety/fuzz_machine.py) for many examples and print the figures.

Usage: ``.venv/bin/python bench/safety_fuzz.py [--examples 100000] [--steps 25] [--seed N]``.
Prints the number of histories run, how many energised a miner and latched a trip, the time, and
the first failing history (hypothesis's shrunk reproduction) if there is one; exit code 1 then.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, settings  # noqa: E402

from tests.safety import fuzz_machine  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=100_000)
    ap.add_argument("--steps", type=int, default=25, help="rules per history")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)

    counts = {"histories": 0, "energised": 0, "latched": 0, "scans": 0}
    machine = fuzz_machine.SafetyMachine
    original_teardown, original_scan = machine.teardown, machine._scan

    def teardown(self):
        counts["histories"] += 1
        counts["energised"] += self.energised > 0
        counts["latched"] += bool(self.st.interlocks.latched)
        original_teardown(self)

    def scan(self, commands=()):
        counts["scans"] += 1
        return original_scan(self, commands)

    machine.teardown, machine._scan = teardown, scan
    machine.TestCase.settings = settings(
        max_examples=args.examples,
        stateful_step_count=args.steps,
        deadline=None,
        database=None,
        derandomize=args.seed is not None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    t0 = time.perf_counter()
    failure = None
    try:
        machine.TestCase().runTest()
    except Exception:  # noqa: BLE001 - the bench reports any failure found
        failure = traceback.format_exc()
    dt = time.perf_counter() - t0
    print(
        f"safety_fuzz: {counts['histories']} histories ({args.examples} requested), {counts['scans']} scans "
        f"(each twice for determinism), {counts['energised']} energised a miner, {counts['latched']} ended latched, "
        f"{dt:.1f} s ({1e6 * dt / max(1, 2 * counts['scans']):.0f} us per scan)"
    )
    if failure:
        print("FAILURE:\n" + failure)
        return 1
    print("no invariant violated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
