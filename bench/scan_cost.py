"""Cost of one controller scan vs a bare revpimodio2 read+write on the same image (one run).

Runs the closed loop (plant in lockstep, 10 s scan period) for --days simulated days, which
times every controller scan (read, freeze, interlocks, controllers, arbitrate, write, publish),
then times bare ``readprocimg()+writeprocimg()`` on the controller's own RevPiModIO of the same
image file, and prints median, p99 and their ratio.

    .venv/bin/python bench/scan_cost.py [--days 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np

from hardware_sim.harness import CONFIG_RSC, IO_LIST, simulate
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import load_plant_params
from thermiq.adapters.revpi.process_image import RevPiProcessImage, make_procimg_file
from thermiq.cli import DEFAULT_CONFIG
from thermiq.config.load import load_config
from thermiq.iomap.io_list import load_io_list


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=2.0)
    args = ap.parse_args()
    cfg, params = load_config(DEFAULT_CONFIG), load_plant_params()
    boundary = BoundarySeries.from_files(params)
    year = dt.datetime.fromtimestamp(boundary.start_s + 86400, dt.UTC).year
    start = dt.datetime(year, 1, 10, tzinfo=dt.UTC).timestamp()
    with tempfile.TemporaryDirectory() as tmp:
        res = simulate(cfg, params, boundary, start, args.days * 86400.0, 10.0, workdir=tmp, keep_costs=True)
        scan = res.meta["scan_costs_s"]
        img = make_procimg_file(Path(tmp) / "procimg.bin", CONFIG_RSC)
        pi = RevPiProcessImage(load_io_list(IO_LIST), str(img), str(CONFIG_RSC))
        bare = np.empty(len(scan))
        for i in range(len(scan)):
            t0 = time.perf_counter()
            pi.rpi.readprocimg()
            pi.rpi.writeprocimg()
            bare[i] = time.perf_counter() - t0
        pi.close()
    s_med, s_p99 = np.median(scan) * 1e6, np.percentile(scan, 99) * 1e6
    b_med, b_p99 = np.median(bare) * 1e6, np.percentile(bare, 99) * 1e6
    print(f"scans measured                 : {len(scan)}")
    print(f"controller scan   median / p99 : {s_med:8.1f} / {s_p99:8.1f} µs")
    print(f"bare read+write   median / p99 : {b_med:8.1f} / {b_p99:8.1f} µs")
    print(f"ratio scan / bare median / p99 : {s_med / b_med:8.1f} / {s_p99 / b_p99:8.1f}")


if __name__ == "__main__":
    main()
