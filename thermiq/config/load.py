"""Load a site configuration from TOML into the frozen schema; errors name the key and the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from thermiq.config.schema import ThermiqConfig


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the keys."""


def validation_lines(err: ValidationError, source: str) -> str:
    """One ``source: key.path: message`` line per pydantic error, indented for a multi-line message."""
    lines = [f"{source}: {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in err.errors()]
    return "\n  " + "\n  ".join(lines)


def read_toml(path: str | Path, error: type[Exception], what: str) -> dict:
    """Parse the TOML file at ``path``; raises ``error`` naming the file when it is unreadable or not TOML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise error(f"{path}: cannot read {what}: {err.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{path}: not valid TOML: {err}") from None


def parse_config(data: dict, source: str = "<dict>") -> ThermiqConfig:
    """Validate an already parsed TOML table.

    Raises
    ------
    ConfigError
        Listing every offending key as ``file: key.path: message``.
    """
    try:
        return ThermiqConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError("invalid configuration" + validation_lines(err, source)) from None


def load_config(path: str | Path) -> ThermiqConfig:
    """Read and validate the TOML file at ``path``.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, or breaks the schema.
    """
    data = read_toml(path, ConfigError, "configuration")
    return parse_config(data, str(path))
