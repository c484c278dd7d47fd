"""PVGIS seriescalc parsing (good and malformed files) and plant parameter validation."""

from __future__ import annotations

import calendar

import pytest
from pydantic import ValidationError

from hardware_sim.plant.boundary import DEFAULT_WEATHER_PATH
from hardware_sim.plant.params import (
    DEFAULT_PARAMS_PATH,
    PlantParams,
    PlantParamsError,
    load_plant_params,
)
from hardware_sim.plant.weather import WeatherError, load_weather

HEADER = (
    "Latitude (decimal degrees):\t48.642\nLongitude (decimal degrees):\t9.958\n\n"
    "Nominal power of the PV system (c-Si) (kWp):\t1.0\n"
)
COLUMNS = "time,P,G(i),H_sun,T2m,WS10m,Int\n"
FOOTER = "\nP: PV system power (W)\nT2m: 2-m air temperature (degree Celsius)\n\nPVGIS (c) European Union, 2001-2023\n"
ROWS = [
    "20150101:1055,120.5,300.0,12.0,1.5,3.0,0.0",
    "20150101:1155,250.0,400.0,15.0,2.0,3.0,0.0",
    "20150101:1255,180.0,350.0,14.0,2.5,3.0,0.0",
]


def write(tmp_path, rows=ROWS, columns=COLUMNS, header=HEADER, footer=FOOTER):
    path = tmp_path / "Timeseries_test.csv"
    path.write_text(header + columns + "\n".join(rows) + "\n" + footer, encoding="utf-8")
    return path


def test_bundled_year_parses():
    w = load_weather(DEFAULT_WEATHER_PATH)
    assert len(w.t_utc_s) == 8760
    assert w.start_s == calendar.timegm((2009, 1, 1, 0, 55, 0))
    assert w.end_s == calendar.timegm((2009, 12, 31, 23, 55, 0))
    assert w.meta["Radiation database"] == "PVGIS-CMSAF"
    assert 900.0 < w.pv_w_per_kwp.sum() / 1000.0 < 960.0  # 930 kWh/kWp in 2009
    january = w.t_utc_s < calendar.timegm((2009, 2, 1, 0, 0, 0))
    assert w.outdoor_temp_c[january].min() == pytest.approx(-13.85)  # the cold January


def test_small_file_values(tmp_path):
    plane = "Slope: 35 deg. (optimum)\nAzimuth: -3 deg. (optimum)\n"
    w = load_weather(write(tmp_path, header=HEADER + plane))
    assert w.plane_deg == (35.0, 177.0) and w.latitude_deg == 48.642
    assert list(w.pv_w_per_kwp) == [120.5, 250.0, 180.0]
    assert list(w.outdoor_temp_c) == [1.5, 2.0, 2.5]
    assert w.t_utc_s[1] - w.t_utc_s[0] == 3600.0


@pytest.mark.parametrize(
    "rows, columns, message",
    [
        (ROWS, "time,X,Y,H_sun,T2m,WS10m,Int\n", "lacks G(i"),
        (ROWS, "time,P,G(i),H_sun,WS10m,Int\n", "lacks T2m"),
        ([ROWS[0], "20150101:1155,abc,400.0,15.0,2.0,3.0,0.0"], COLUMNS, ":7: column P: value 'abc'"),
        ([ROWS[0], "20150101:1155,250.0,400.0,15.0,warm,3.0,0.0"], COLUMNS, ":7: column T2m"),
        ([ROWS[1], ROWS[0]], COLUMNS, ":7: column time: unsorted"),
        ([ROWS[0], ROWS[0]], COLUMNS, ":7: column time: duplicate"),
        ([ROWS[0], ROWS[2]], COLUMNS, ":7: column time: gap of 2 h"),
        ([ROWS[0], "2015010:1155,250.0,400.0,15.0,2.0,3.0,0.0"], COLUMNS, "not YYYYMMDD:HHMM"),
        ([ROWS[0], "20150230:1155,250.0,400.0,15.0,2.0,3.0,0.0"], COLUMNS, "not a valid date"),
        ([ROWS[0], "20150101:1155,250.0,400.0"], COLUMNS, ":7: 3 fields"),
        ([ROWS[0], "20150101:1155,-5.0,400.0,15.0,2.0,3.0,0.0"], COLUMNS, "negative PV power"),
        ([], COLUMNS, "no data rows"),
        (ROWS, "", "no column line"),
    ],
)
def test_malformed_files_raise_weather_error(tmp_path, rows, columns, message):
    path = write(tmp_path, rows=rows, columns=columns)
    with pytest.raises(WeatherError, match=message.replace("(", r"\(")) as err:
        load_weather(path)
    assert str(path) in str(err.value)


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(WeatherError, match="empty"):
        load_weather(empty)
    with pytest.raises(WeatherError, match="not found"):
        load_weather(tmp_path / "nope.csv")


def test_default_params_file_loads_and_matches_brief():
    p = load_plant_params(DEFAULT_PARAMS_PATH)
    assert p.buffer.volume_l == 1000.0 and p.buffer.layers == 20
    assert p.dhw.volume_l == 300.0
    assert p.electrical.pv_peak_kwp == 15.0 and p.electrical.battery_capacity_kwh == 10.0
    assert p.substeps(10.0) == 2 and p.substeps(0.1) == 1


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[buffer]\nvolume_l = 1000.0\nlayers = 6\nheight_m = 2.0\nua_w_k = 3.0\ncolour = 1\n", "buffer.colour"),
        ("[house]\nh_w_k = -5.0\n", "house.h_w_k"),
        ("[pumps]\nx = 1\n", "pumps"),
        ("[miners]\npower_min_w = 4000.0\n", "power_min_w must be below"),
        (
            "[simulation]\nmax_substep_s = 10.0\n[miner_loop]\nminer_heat_capacity_j_k = 5000.0\n",
            "max_substep_s=10.0 exceeds",
        ),
        (
            "[dhw]\nvolume_l = 300.0\nlayers = 3\nheight_m = 1.5\nua_w_k = 1.0\nsensor_height_m = 3.0\n",
            "sensor_height_m=3.0 is above",
        ),
        ("[house\n", "not valid TOML"),
    ],
)
def test_bad_param_files_name_file_and_key(tmp_path, text, fragment):
    path = tmp_path / "plant.toml"
    path.write_text(text)
    with pytest.raises(PlantParamsError) as err:
        load_plant_params(path)
    assert str(path) in str(err.value) and fragment in str(err.value)


def test_params_are_frozen():
    p = PlantParams()
    with pytest.raises(ValidationError, match="frozen"):
        p.house.h_w_k = 1.0  # type: ignore[misc]
