"""Hot water: the DHW target and the weekly anti-legionella cycle (>= 60 °C).

Pure. The cycle starts on the configured local weekday at ``legionella_start`` (midday: PV
often pays for it) unless the tank already held ``legionella_c`` for ``legionella_hold_s``
during the last 7 days; it raises the DHW target to ``legionella_c`` and asks for the heat
pump's SG-Ready "forced" state until the tank top has stayed at or above ``legionella_c`` for
``legionella_hold_s``, or gives up after ``legionella_max_s`` (``failed`` is set for the
status). DVGW W 551 asks for 60 °C at the tank outlet in large systems; small systems use it as
good practice.
"""

from __future__ import annotations

from dataclasses import dataclass

from thermiq.config.schema import DhwConfig, minutes_of_day
from thermiq.control.tariff import local_minute, local_weekday
from thermiq.control.timers import NEVER

WEEK_S = 7 * 86400.0


@dataclass(frozen=True, slots=True)
class DhwCtl:
    """Anti-legionella state: last completed cycle [wall s], running since [wall s], hot since [wall s]."""

    done_wall_s: float = NEVER
    active_since_s: float | None = None
    hot_since_s: float | None = None
    failed: bool = False


def dhw_step(
    st: DhwCtl, cfg: DhwConfig, dhw_c: float | None, setpoint_c: float, wall_s: float, utc_offset_h: float
) -> tuple[DhwCtl, float, bool]:
    """One scan -> (new state, DHW target [°C], anti-legionella cycle active)."""
    hot = dhw_c is not None and dhw_c >= cfg.legionella_c
    hot_since = (st.hot_since_s if st.hot_since_s is not None else wall_s) if hot else None
    if hot_since is not None and wall_s - hot_since >= cfg.legionella_hold_s:
        # the tank was hot long enough (by the cycle or by PV): that counts as this week's cycle
        return DhwCtl(wall_s, None, hot_since, False), setpoint_c, False
    active = st.active_since_s
    if active is None:
        due = (
            local_weekday(wall_s, utc_offset_h) == cfg.legionella_weekday
            and local_minute(wall_s, utc_offset_h) >= minutes_of_day(cfg.legionella_start)
            and wall_s - st.done_wall_s > WEEK_S - 86400.0
        )
        if due:
            active = wall_s
    if active is not None and wall_s - active > cfg.legionella_max_s:
        return DhwCtl(wall_s, None, None, True), setpoint_c, False
    if active is None:
        return DhwCtl(st.done_wall_s, None, hot_since, st.failed), setpoint_c, False
    return DhwCtl(st.done_wall_s, active, hot_since, st.failed), max(setpoint_c, cfg.legionella_c), True
