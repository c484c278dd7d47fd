"""docs/config_reference.md is generated from the pydantic schema and must not drift from it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from thermiq.config.reference import DEFAULT_OUT, main, render, unit_of
from thermiq.config.schema import ThermiqConfig


def test_committed_reference_matches_the_schema():
    assert DEFAULT_OUT.read_text(encoding="utf-8") == render(), (
        "docs/config_reference.md is stale: run python -m thermiq.config.reference"
    )


def test_every_option_of_every_section_is_listed():
    text = render()
    for name, f in ThermiqConfig.model_fields.items():
        model = f.annotation if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel) else None
        if model is None and getattr(f.annotation, "__args__", None):
            inner = f.annotation.__args__[0]
            model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
        if model is None:
            assert f"| `{name}` |" in text
            continue
        assert f"[{name}]" in text
        for key in model.model_fields:
            assert f"| `{key}` |" in text, f"{name}.{key} missing"


class _Demo(BaseModel):
    """A demo section."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    supply_temp_c: float = Field(45.0, ge=20, le=80, description="flow | target")
    valve_open_frac: float = Field(0.5, gt=0, lt=1)
    ids: tuple[int, ...] = Field((), max_length=3)
    mode: Literal["a", "b"] = "a"

    @model_validator(mode="after")
    def _check(self):
        if self.supply_temp_c > 70 and self.mode == "b":
            raise ValueError(f"supply_temp_c ({self.supply_temp_c}) too high for mode b")
        return self


class _Root(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    demo: _Demo = _Demo()
    required: tuple[_Demo, ...] = Field(min_length=1)


def test_rendering_of_types_defaults_units_ranges_and_checks():
    text = render(_Root)
    assert "## `[demo]`" in text and "*optional; schema `_Demo`*" in text and "A demo section." in text
    assert "## `[[required]]`" in text and "*required, >= 1 entries; schema `_Demo`*" in text
    assert "| `supply_temp_c` | float | `45.0` | °C | >= 20, <= 80 | flow \\| target |" in text
    assert "| `valve_open_frac` | float | `0.5` | 1 (0..1) | > 0, < 1 |  |" in text
    assert "| `ids` | array of int | `()` |  | <= 3 entries |  |" in text
    assert '| `mode` | "a" \\| "b" | `"a"` |  | one of the listed values |  |' in text
    assert "Checked at load: supply_temp_c (…) too high for mode b." in text


def test_units_come_from_the_name_suffix():
    assert [
        unit_of(n)
        for n in (
            "power_ramp_w_per_s",
            "energy_kwh",
            "soc_pct",
            "period_s",
            "watchdog_ms",
            "delta_t_k",
            "temp_max_rate_k_per_s",
            "latitude_deg",
            "name",
        )
    ] == ["W/s", "kWh", "%", "s", "ms", "K", "K/s", "°", ""]


def test_check_mode(tmp_path):
    out = tmp_path / "ref.md"
    assert main(["--out", str(out), "--check"]) == 1
    assert main(["--out", str(out)]) == 0
    assert main(["--out", str(out), "--check"]) == 0
    out.write_text(out.read_text().replace("°C", "degC"))
    assert main(["--out", str(out), "--check"]) == 1
