"""The PV chain of ``pv.py`` against the ``P`` column of a PVGIS seriescalc file, step by step.

``python -m hardware_sim.plant.pvgis_compare [file]`` (default: the bundled 2009 file) prints

* the yearly yield [kWh] after each step of the chain on the file's own system
  (:func:`hardware_sim.plant.pv.pvgis_file_array`) next to PVGIS' figure, for both PVGIS
  mountings (the header does not say which one the file was computed for);
* the monthly deviation of the full chain from PVGIS [%];
* where the remaining difference sits: the ratio PVGIS / chain summed over hours binned by the
  diffuse share of the in-plane irradiance, the 10 m wind speed and the irradiance.

Figures only; the tolerance lives in ``tests/plant/test_validation.py``.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from hardware_sim.plant.params import PvArrayParams
from hardware_sim.plant.pv import FAIMAN_U0_U1, SkyModel, pvgis_file_array
from hardware_sim.plant.weather import Weather, WeatherError, load_weather


def monthly_kwh(t_utc_s: np.ndarray, power_w: np.ndarray) -> np.ndarray:
    """Energy per calendar month (UTC) of an hourly power series [W] -> shape (12,) [kWh]."""
    months = np.array([time.gmtime(t).tm_mon for t in t_utc_s]) - 1
    return np.bincount(months, weights=power_w, minlength=12)[:12] / 1000.0


def chain_steps_w(sky: SkyModel, array: PvArrayParams) -> dict[str, np.ndarray]:
    """Hourly AC power [W] of ``array`` after each step of the chain.

    Keys: ``"G(i) x (1 - loss)"`` (no module model), ``"+ Huld, Faiman"`` (no reflection),
    ``"+ Martin-Ruiz reflection"`` (the full chain of ``pv.py``).
    """
    import pvlib

    keep = 1.0 - array.losses_pct / 100.0
    beam, diffuse, ground, _ = sky.plane(array.tilt_deg, array.azimuth_deg)
    poa = beam + diffuse + ground
    u0, u1 = FAIMAN_U0_U1[array.mounting]
    temp_mod = pvlib.temperature.faiman(poa, sky.temp_air, sky.wind, u0=u0, u1=u1)
    huld = pvlib.pvarray.huld(poa, temp_mod, array.kwp * 1000.0, cell_type="csi", k_version="pvgis5")
    return {
        "G(i) x (1 - loss)": poa * array.kwp * keep,
        "+ Huld, Faiman": np.nan_to_num(np.asarray(huld, dtype=float)).clip(0.0) * keep,
        "+ Martin-Ruiz reflection": sky.array_ac_w(array),
    }


def binned_ratio(pvgis_w: np.ndarray, model_w: np.ndarray, key: np.ndarray, edges: list[float]) -> list[tuple]:
    """[(low, high, hours, sum PVGIS / sum model)] for hours with ``low < key <= high``."""
    out = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        m = (key > low) & (key <= high) & (model_w > 0.0)
        if m.any():
            out.append((low, high, int(m.sum()), float(pvgis_w[m].sum() / model_w[m].sum())))
    return out


def report(weather: Weather) -> str:
    """The comparison as text, for both PVGIS mountings (see the module docstring)."""
    if weather.pv_w_per_kwp is None:
        raise WeatherError(f"{weather.meta.get('source')}: no P column to compare with")
    sky = SkyModel(weather)
    free = pvgis_file_array(weather)
    pvgis_w = weather.pv_w_per_kwp * free.kwp
    pvgis_kwh = pvgis_w.sum() / 1000.0
    lines = [
        f"{weather.meta.get('source')}: {free.kwp:g} kWp, {free.losses_pct:g} % loss, plane "
        f"{free.tilt_deg:g}°/{free.azimuth_deg:g}° (pvlib azimuth), PVGIS {pvgis_kwh:.1f} kWh",
        "  month            " + " ".join(f"{m:>5d}" for m in range(1, 13)),
    ]
    beam, diffuse, ground, _ = sky.plane(free.tilt_deg, free.azimuth_deg)
    poa = beam + diffuse + ground
    share = np.divide(diffuse + ground, poa, out=np.ones_like(poa), where=poa > 0.0)
    bins = (
        ("diffuse share", share, [0.0, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0]),
        ("WS10m [m/s] at G(i) > 400", np.where(poa > 400.0, sky.wind, -1.0), [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 20.0]),
        ("G(i) [W/m²]", poa, [0.0, 100.0, 200.0, 400.0, 600.0, 800.0, 1400.0]),
    )
    for mounting in FAIMAN_U0_U1:
        array = free.model_copy(update={"mounting": mounting})
        lines.append(f"{mounting} (U0, U1 = {FAIMAN_U0_U1[mounting]}):")
        steps = chain_steps_w(sky, array)
        for name, w in steps.items():
            kwh = w.sum() / 1000.0
            lines.append(f"  {name:26s} {kwh:8.1f} kWh  {100.0 * (kwh / pvgis_kwh - 1.0):+6.2f} %")
        model_w = steps["+ Martin-Ruiz reflection"]
        dev = 100.0 * (monthly_kwh(weather.t_utc_s, model_w) / monthly_kwh(weather.t_utc_s, pvgis_w) - 1.0)
        lines.append("  chain vs PVGIS %  " + " ".join(f"{d:+5.1f}" for d in dev))
        for title, key, edges in bins:
            cells = " ".join(f"{lo:g}-{hi:g}:{r:.3f}" for lo, hi, _n, r in binned_ratio(pvgis_w, model_w, key, edges))
            lines.append(f"  PVGIS/chain by {title}: {cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print :func:`report` for the file given (or the bundled one); 2 on a bad file."""
    from hardware_sim.plant.boundary import DEFAULT_WEATHER_PATH

    args = sys.argv[1:] if argv is None else argv
    try:
        print(report(load_weather(args[0] if args else DEFAULT_WEATHER_PATH)))
    except WeatherError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
