"""Sweeps and variants: dotted overrides, a small sweep through a local Dask cluster on loopback,
bad keys refused before anything runs. Runs are one or two simulated hours (CI cost)."""

from __future__ import annotations

import csv

import pytest

from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.params import PlantParamsError, load_plant_params
from hardware_sim.sweep import sweep, write_sweep
from hardware_sim.variants import Variant, VariantError, build, parse_variant, with_override
from thermiq.cli import main

SITE = "thermiq/sites/asp1.toml"
BASE = Variant("base", SITE)


def _april_10h() -> float:
    b = BoundarySeries.from_files(load_plant_params())
    return b.start_s + (100 * 86400.0 - b.start_s % 86400.0) + 10 * 3600.0  # 10:00 UTC on day 100


def test_overrides_reach_site_and_plant():
    cfg, params = build(
        with_override(
            with_override(BASE, "plant.electrical.battery_capacity_kwh", 5.0), "energy.surplus_start_w", 2500.0
        )
    )
    assert params.electrical.battery_capacity_kwh == 5.0 and cfg.energy.surplus_start_w == 2500.0
    cfg, _ = build(parse_variant("miners.1.power_max_w=3000", BASE))
    assert cfg.miners[1].power_max_w == 3000.0 and cfg.miners[0].power_max_w != 3000.0
    cfg, _ = build(parse_variant("no-miners", BASE))
    assert cfg.energy.surplus_start_w > 1e9  # miners installed, never started


@pytest.mark.parametrize(
    "text, error, match",
    [
        ("plant.electrical.battery_kwh=5", PlantParamsError, "battery_kwh"),
        ("plant.buffer.volume_l=-3", PlantParamsError, "volume_l"),
        ("miners.9.power_max_w=3000", VariantError, "no item 9"),
        ("nonsense", VariantError, "not a named variant"),
    ],
)
def test_bad_variant_is_one_clear_error(text, error, match):
    with pytest.raises(error, match=match):
        build(parse_variant(text, BASE))


def test_sweep_runs_on_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0, dashboard_address=None
    ) as cluster:
        res = sweep(
            BASE,
            "plant.electrical.battery_capacity_kwh",
            [2.0, 20.0],
            _april_10h(),
            2 * 3600.0,
            10.0,
            scheduler=cluster.scheduler_address,
        )
        ran = {key for key in cluster.scheduler.task_prefixes}
    assert "run_kpis" in ran  # the runs went through the cluster's scheduler
    small, large = (r["kpis"] for r in res.rows)
    assert small["duration_h"] == pytest.approx(2.0) and large["duration_h"] == pytest.approx(2.0)
    assert small["pv_power_kwh"] == pytest.approx(large["pv_power_kwh"])  # same weather
    assert small["battery_charge_kwh"] < large["battery_charge_kwh"]  # a 2 kWh battery fills (1 kWh room)
    md = write_sweep(tmp_path, res, {"site": SITE})
    text = md.read_text()
    assert "| 2.0 |" in text and "| 20.0 |" in text and "](sweep_plant.electrical.battery_capacity_kwh.png)" in text
    with (tmp_path / "sweep_plant.electrical.battery_capacity_kwh.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [float(r["plant.electrical.battery_capacity_kwh"]) for r in rows] == [2.0, 20.0]
    assert (tmp_path / "sweep_plant.electrical.battery_capacity_kwh.png").stat().st_size > 10_000
    assert (tmp_path / "sweep_plant.electrical.battery_capacity_kwh.html").read_text().count("base64,") == 1


def test_sweep_cli_refuses_a_bad_key_before_running(tmp_path, capsys):
    out = tmp_path / "sweep"
    code = main(["sweep", "--key", "plant.electrical.no_such_key", "--values", "1,2", "--days", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "no_such_key" in err
    assert not list(out.glob("sweep_*"))


def test_sim_compare_no_miners_side_by_side(tmp_path):
    """``thermiq sim --compare no-miners`` over two spring hours: both reports and the comparison."""
    out = tmp_path / "cmp"
    code = main(
        ["sim", "--start", "2009-04-10", "--days", str(2 / 24), "--compare", "no-miners", "--quiet", "--out", str(out)]
    )
    assert code == 0
    text = (out / "compare.md").read_text()
    assert "| KPI | unit | as configured | no-miners | no-miners - as configured |" in text
    assert "| Miners electrical | kWh | " in text and "| Net energy cost | EUR | " in text
    assert "| Heat pump starts | - | " in text and "| Pump switchings | - | " in text
    assert "| 2009-04 |" in text  # the monthly table
    for name in ("as_configured", "no-miners"):
        assert (out / name / "summary.md").exists() and (out / name / "summary.html").exists()
    assert (out / "compare.html").read_text().count("base64,") == 3  # monthly, dispatch, load duration


def test_sim_compare_takes_several_variants_in_one_table(tmp_path, capsys):
    out = tmp_path / "cmp3"
    args = ["sim", "--start", "2009-04-10", "--days", str(1 / 24), "--quiet", "--out", str(out)]
    code = main(args + ["--compare", "no-miners", "--compare", "dispatch.strategy=naive"])
    assert code == 0 and "3 runs of" in capsys.readouterr().out
    header = (out / "compare.md").read_text().split("## KPIs side by side")[1].strip().splitlines()[0]
    assert header.startswith("| KPI | unit | as configured | no-miners | ") and "naive" in header
    assert len(list(out.glob("*/summary.md"))) == 3
    # a variant given twice is refused before anything runs
    code = main(args[:-1] + [str(tmp_path / "x"), "--compare", "no-miners", "--compare", "no-miners"])
    assert code == 2 and "given twice" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_sim_compare_refuses_an_unknown_variant(tmp_path, capsys):
    code = main(["sim", "--days", "0.1", "--compare", "plant.buffer.volume_litres=500", "--out", str(tmp_path / "x")])
    assert code == 2 and "volume_litres" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_run_that_fails_loses_only_itself(tmp_path):
    """One run of a comparison fails mid-way (its weather file is gone): the other run's report
    is written all the same and the failure is named."""
    from hardware_sim.study import RunSpec, run_each

    base = Variant("as configured", SITE)
    specs = [
        RunSpec(base, _april_10h(), 3600.0, 10.0),
        RunSpec(
            with_override(base, "dispatch.strategy", "naive"), _april_10h(), 3600.0, 10.0, str(tmp_path / "gone.csv")
        ),
    ]
    done, failed = run_each(tmp_path, specs)
    assert list(done) == ["as configured"] and (tmp_path / "as_configured" / "summary.md").exists()
    [(label, err)] = failed.items()
    assert "naive" in label and "gone.csv" in err
