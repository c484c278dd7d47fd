"""One closed-loop path: the plant model against the controller's process image and field devices.

Per step, whoever drives the loop (``thermiq sim`` in lockstep with the real scan,
``thermiq-plant`` and the hardware-in-the-loop plant in scaled real time, the tests):

1. :meth:`PlantDriver.sense` writes what the plant's sensors read into the process image,
   each value under the site signal :class:`~hardware_sim.loop.binding.SiteBinding` gives it
   (optionally with injected sensor faults or forced values);
2. the controller scans (not the driver's business);
3. :meth:`PlantDriver.advance` reads the digital outputs, asks the field devices which miners
   run at which target in force (in simulation: the cabinet's miner policy, see
   ``hardware_sim.devices.inproc``), steps the plant and lets the devices report the result
   (measured miner power, inverter, meters).

Field devices are anything with ``commands() -> (running, target_w)`` per miner and
``update(state, flows, params, dt_s, now_s)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Protocol

from hardware_sim.loop.binding import BindingError, SiteBinding
from hardware_sim.plant.boundary import BoundarySeries
from hardware_sim.plant.model import step
from hardware_sim.plant.params import PlantParams
from hardware_sim.plant.state import Actuators, Flows, PlantState
from hardware_sim.plant.views import readings
from thermiq.config.schema import ThermiqConfig


class PlantImage(Protocol):
    """The plant's side of a process image (file-backed ``PlantProcessImage`` or in memory)."""

    def write_inputs(self, values: Mapping[str, float | bool], faults: Mapping[str, str] | None = None) -> None: ...

    def read_outputs(self) -> Mapping[str, bool]: ...


class FieldDevices(Protocol):
    def commands(self) -> tuple[tuple[bool, ...], tuple[float, ...]]: ...

    def update(self, state: PlantState, flows: Flows, params: PlantParams, dt_s: float, now_s: float) -> None: ...


class NominalMiners:
    """Field devices of a plant without a miner protocol (``thermiq-plant`` beside ``thermiq run``
    without ``--field protocol``): an energised miner mines at its configured nominal power."""

    def __init__(self, cfg: ThermiqConfig):
        self._targets = tuple(m.nominal_power_w for m in cfg.miners)

    def commands(self) -> tuple[tuple[bool, ...], tuple[float, ...]]:
        return (True,) * len(self._targets), self._targets

    def update(self, state, flows, params, dt_s, now_s) -> None:
        return None


class PlantDriver:
    """The plant, its process image and its field devices for one site.

    Parameters
    ----------
    cfg : site configuration (its instances bind the plant to signals)
    params, boundary : plant parameters and boundary series
    state : initial plant state; must have one miner per ``[[miners]]`` entry
    image : plant side of the process image
    devices : field devices (see module docstring)

    Raises
    ------
    BindingError
        The configuration does not fit the plant (miner count, heating circuits, valves).
    """

    def __init__(
        self,
        cfg: ThermiqConfig,
        params: PlantParams,
        boundary: BoundarySeries,
        state: PlantState,
        image: PlantImage,
        devices: FieldDevices,
    ):
        if len(state.miners) != len(cfg.miners):
            raise BindingError(f"the plant state has {len(state.miners)} miners, the site declares {len(cfg.miners)}")
        self.binding = SiteBinding.from_config(cfg)
        self.params, self.boundary, self.state = params, boundary, state
        self.image, self.devices = image, devices
        self.now_s = 0.0
        self.last_act = Actuators()
        #: optional ``now_s -> grid there?`` (scenario grid outages); None = always there
        self.grid_ok: Callable[[float], bool] | None = None

    def sensor_values(self) -> dict[str, float | bool]:
        """What the plant's sensors read now, by site signal."""
        return self.binding.sensor_values(readings(self.state, self.params))

    def sense(
        self, faults: Mapping[str, str] | None = None, forced: Mapping[str, float | bool] | None = None
    ) -> dict[str, float | bool]:
        """Write the sensors into the image (``faults``: signal -> "open"/"short"; ``forced``:
        signal -> value written instead of the plant's). Returns the values written."""
        values = self.sensor_values()
        if forced:
            values.update(forced)
        self.image.write_inputs(values, faults)
        return values

    def advance(self, dt_s: float, outputs: Mapping[str, bool] | None = None) -> Flows:
        """Read outputs and miner commands, step the plant ``dt_s`` seconds, report to the devices.

        ``outputs``: the digital outputs if the caller has just read them from the image (the
        study's lockstep loop), else they are read here."""
        run, target = self.devices.commands()
        act = self.binding.actuators(self.image.read_outputs() if outputs is None else outputs, run, target)
        bnd = self.boundary.at(self.state.t_utc_s, dt_s)
        if self.grid_ok is not None and not self.grid_ok(self.now_s):
            bnd = replace(bnd, grid_ok=False)
        self.state, flows = step(self.state, act, bnd, self.params, dt_s)
        self.now_s += dt_s
        self.last_act = act
        self.devices.update(self.state, flows, self.params, dt_s, self.now_s)
        return flows
