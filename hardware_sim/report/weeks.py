"""Which rows a dispatch chart shows: the coldest and the sunniest week of a run."""

from __future__ import annotations

import datetime as dt

import numpy as np

from hardware_sim.report.series import column, intervals_s

WEEK_S = 7 * 86400.0


def week_windows(series: dict[str, np.ndarray]) -> list[tuple[str, str, int, int]]:
    """(file stem, title, first row, end row) of the dispatch charts.

    Runs of at least two weeks: the 7-day window with the lowest mean outdoor temperature
    ("winter week") and the one with the most PV ("summer week"). Shorter runs: the whole run
    in one chart ("dispatch").
    """
    t = np.asarray(series["t_utc_s"], dtype=float)
    dts = intervals_s(t)
    n = len(t)
    span = float(t[-1] - t[0] + dts[0])
    if span < 2 * WEEK_S:
        return [("dispatch", "Dispatch over the whole run", 0, n)]
    rows = int(round(WEEK_S / float(np.median(dts))))
    out = []
    for stem, title, name, pick in (
        ("week_winter", "Winter week: the coldest 7 days", "outdoor_temp_c", np.argmin),
        ("week_summer", "Summer week: the sunniest 7 days", "pv_power_w", np.argmax),
    ):
        c = np.concatenate(([0.0], np.cumsum(column(series, name))))
        means = (c[rows:] - c[:-rows]) / rows
        lo = int(pick(means))
        first = dt.datetime.fromtimestamp(t[lo] - dts[lo], dt.UTC)
        last = dt.datetime.fromtimestamp(t[lo + rows - 1], dt.UTC)
        out.append((stem, f"{title} of the run ({first:%d %b} .. {last:%d %b %Y})", lo, lo + rows))
    return out
