"""Variants of a study: a site configuration and plant parameters with dotted-key overrides.

A key names a value in the site TOML (``energy.surplus_start_w``, ``miners.0.nominal_power_w``)
or, with the prefix ``plant.``, in the plant parameters (``plant.electrical.battery_capacity_kwh``,
``plant.buffer.volume_l``); integers index lists. The key ``site`` swaps the whole site TOML
(e.g. a site with four miners). Overrides are applied to the parsed TOML before validation, so a
bad key or value fails with the schema's one-line message before anything runs.

Named variants (``NAMED``): ``no-miners`` keeps the miners installed but never lets them start
(start threshold above any surplus), the plant as it would run without them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from hardware_sim.plant.params import DEFAULT_PARAMS_PATH, PlantParams, PlantParamsError, parse_plant_params
from thermiq.config.load import ConfigError, parse_config, read_toml
from thermiq.config.schema import ThermiqConfig

NAMED: dict[str, tuple[tuple[str, object], ...]] = {
    "base": (),
    "no-miners": (("energy.surplus_start_w", 1.0e12), ("energy.grid_heating_allowed", False)),
}


class VariantError(ValueError):
    """A variant that cannot be built; one line naming the key or file."""


@dataclass(frozen=True)
class Variant:
    """Files and overrides of one study variant (picklable: it travels to sweep workers)."""

    label: str
    config: str
    plant: str | None = None
    overrides: tuple[tuple[str, object], ...] = field(default_factory=tuple)


def parse_value(text: str) -> object:
    """A TOML literal (``10``, ``2.5``, ``true``, ``"x"``); anything else is taken as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_variant(text: str, base: Variant) -> Variant:
    """``no-miners`` | a site ``.toml`` path | ``key=value[,key=value...]`` -> a Variant of ``base``."""
    if text in NAMED:
        return Variant(text, base.config, base.plant, base.overrides + NAMED[text])
    if text.endswith(".toml"):
        if not Path(text).is_file():
            raise VariantError(f"--compare {text}: no such site file")
        return Variant(Path(text).stem, text, base.plant, base.overrides)
    pairs = []
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise VariantError(f"variant {text!r}: not a named variant ({', '.join(NAMED)}), a .toml file or key=value")
        pairs.append((key.strip(), parse_value(value.strip())))
    return Variant(text, base.config, base.plant, base.overrides + tuple(pairs))


def with_override(variant: Variant, key: str, value: object, label: str | None = None) -> Variant:
    """``variant`` with one more override (``site`` replaces the site file)."""
    if key == "site":
        return Variant(label or Path(str(value)).stem, str(value), variant.plant, variant.overrides)
    return Variant(label or f"{key}={value}", variant.config, variant.plant, variant.overrides + ((key, value),))


def _set(data: dict, key: str, value: object, what: str) -> None:
    parts = key.split(".")
    node: object = data
    for i, part in enumerate(parts):
        where = ".".join(parts[: i + 1])
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not (part.isdigit() and int(part) < len(node)):
                raise VariantError(f"{what} key {key!r}: no item {part} in {'.'.join(parts[:i])} (it has {len(node)})")
            if last:
                node[int(part)] = value
            node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            node = node.setdefault(part, {})
        else:
            raise VariantError(f"{what} key {key!r}: {where} is not a table or list")


def build(variant: Variant) -> tuple[ThermiqConfig, PlantParams]:
    """Validated (site configuration, plant parameters) of a variant.

    Raises VariantError (bad key) or the loaders' ConfigError / PlantParamsError (bad value, one line per key).
    """
    site = read_toml(variant.config, ConfigError, "configuration")
    plant_path = variant.plant or DEFAULT_PARAMS_PATH
    plant = read_toml(plant_path, PlantParamsError, "plant parameters")
    for key, value in variant.overrides:
        if key.startswith("plant."):
            _set(plant, key[len("plant.") :], value, "plant")
        else:
            _set(site, key.removeprefix("site."), value, "site")
    return parse_config(site, f"{variant.config} [{variant.label}]"), parse_plant_params(
        plant, f"{plant_path} [{variant.label}]"
    )
