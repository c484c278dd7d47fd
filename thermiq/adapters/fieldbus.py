"""One master on one RS485 line: poll devices in sequence on a schedule, off the scan thread.

The :class:`BusMaster` owns one Modbus client (one serial port or one TCP connection) and
an asyncio loop in its own thread. Every ``period_s`` it asks each :class:`BusDevice` in
turn for a reading; each request has a timeout and a bounded number of retries, and a
device that keeps failing is backed off (skipped for a growing time, as OpenEMS's
``DefectiveComponents``: +``backoff_step_s`` per failure up to ``backoff_max_s``).

Readings carry the monotonic stamp (on the injected :class:`~thermiq.clock.Clock`) of the last
good read. After ``invalid_after_failures`` consecutive failed polls a reading is invalid (values
``None``): never 0, never a silently held value (OpenEMS ``invalidateElementsAfterReadErrors``).
How old a reading may be is not decided here: the scan's freeze phase (``thermiq.cycle.freeze``)
holds the one limit per source (``scan.inverter_max_age_s``, ``scan.meter_max_age_s``), so a
stopped or hung worker shows up there as an ageing stamp. The scan thread calls
:meth:`BusMaster.reading`, which never blocks.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

import structlog

from thermiq.clock import Clock, SystemClock

_EMPTY: Mapping[str, float | None] = MappingProxyType({})


class BusDevice(Protocol):
    """A device on the line; ``read`` raises on any failure (timeout, exception code, bad frame)."""

    name: str

    def read(self, client: Any) -> Awaitable[Mapping[str, float | None]]: ...


class DeviceError(IOError):
    """A device answered, but not usefully (Modbus exception code, short or garbled reply)."""


@dataclass(frozen=True, slots=True)
class BusTiming:
    """Schedule and fault handling of one line (all times in seconds on the monotonic clock)."""

    period_s: float = 1.0
    timeout_s: float = 0.5
    retries: int = 1
    gap_s: float = 0.02
    backoff_step_s: float = 2.0
    backoff_max_s: float = 30.0
    invalid_after_failures: int = 1

    def __post_init__(self) -> None:
        if self.period_s <= 0 or self.timeout_s <= 0:
            raise ValueError(f"period_s ({self.period_s}) and timeout_s ({self.timeout_s}) must be > 0")
        if not 0 <= self.retries <= 5:
            raise ValueError(f"retries must be 0..5, got {self.retries}")
        if self.invalid_after_failures < 1:
            raise ValueError("invalid_after_failures must be >= 1")


@dataclass(frozen=True, slots=True)
class Reading:
    """What the bus knows of one device.

    stamp_s : monotonic time of the last good read [s], ``None`` if never read
    values : decoded values by name (empty when invalid)
    fault : why the values are invalid (``"comm"``, ``"never"``), else ``None``
    failures : consecutive failed polls
    next_try_s : monotonic time before which the device is skipped (back-off)
    """

    stamp_s: float | None = None
    values: Mapping[str, float | None] = field(default_factory=lambda: _EMPTY)
    fault: str | None = "never"
    failures: int = 0
    next_try_s: float = 0.0
    last_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None


def after_success(reading: Reading, values: Mapping[str, float | None], now_s: float) -> Reading:
    """Pure: the reading after a good poll at ``now_s``."""
    return Reading(now_s, MappingProxyType(dict(values)), None, 0, 0.0, None)


def after_failure(reading: Reading, error: str, now_s: float, timing: BusTiming) -> Reading:
    """Pure: the reading after a failed poll; invalid after ``invalid_after_failures``, backed off.

    Back-off: a device with n >= 2 consecutive failures is skipped for
    min(backoff_step_s * (n - 1), backoff_max_s).
    """
    failures = reading.failures + 1
    invalid = failures >= timing.invalid_after_failures or reading.stamp_s is None
    wait_s = min(timing.backoff_step_s * (failures - 1), timing.backoff_max_s)
    return Reading(
        reading.stamp_s,
        _EMPTY if invalid else reading.values,
        "comm" if invalid else reading.fault,
        failures,
        now_s + wait_s,
        error,
    )


@dataclass
class BusStats:
    """Counters of the worker (read by benches and tests; written by the worker only)."""

    cycles: int = 0
    overruns: int = 0
    requests: int = 0
    failures: int = 0
    cycle_starts_s: collections.deque = field(default_factory=lambda: collections.deque(maxlen=1024))


class BusMaster:
    """Polls ``devices`` in sequence over one client made by ``make_client``.

    Parameters
    ----------
    make_client : () -> pymodbus async client (unconnected); called again after a failure
        so a garbled line starts with an empty receive buffer.
    devices : the devices on the line, polled in this order.
    timing : :class:`BusTiming`.
    clock : the :class:`~thermiq.clock.Clock` of the stamps, back-off and the poll schedule.

    Raises
    ------
    ValueError
        If two devices share a name.
    """

    def __init__(
        self,
        make_client: Callable[[], Any],
        devices: Sequence[BusDevice],
        timing: BusTiming = BusTiming(),
        clock: Clock = SystemClock(),
        name: str = "rs485",
    ) -> None:
        names = [d.name for d in devices]
        if len(set(names)) != len(names):
            raise ValueError(f"device names on one line must be unique, got {names}")
        self._make_client = make_client
        self._devices = tuple(devices)
        self.timing = timing
        self._clock = clock
        self._readings: dict[str, Reading] = {n: Reading() for n in names}
        self._client: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stats = BusStats()
        self._log = structlog.get_logger("thermiq.fieldbus").bind(line=name)
        self.name = name

    # -- scan side (non-blocking) -------------------------------------------------------
    def reading(self, device: str) -> Reading:
        """Latest reading of ``device`` with the stamp of its last good read; never blocks.

        Raises
        ------
        KeyError
            If no device of that name is on this line.
        """
        if device not in self._readings:
            raise KeyError(f"no device {device!r} on line {self.name}; have {sorted(self._readings)}")
        return self._readings[device]

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> BusMaster:
        """Start the worker thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"bus-{self.name}", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the worker and close the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # -- worker ---------------------------------------------------------------------------
    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(self._orphan_error)
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        finally:
            loop.close()

    def _orphan_error(self, loop: asyncio.AbstractEventLoop, context: dict) -> None:
        # a request cancelled by its timeout may leave a task whose error nobody awaits
        # (sunsynk wraps each read in its own wait_for); the poll has already counted it
        self._log.debug("orphaned_request_error", message=context.get("message"), error=repr(context.get("exception")))

    async def _main(self) -> None:
        t = self.timing
        clock = self._clock
        next_start = clock.monotonic()
        while not self._stop.is_set():
            self.stats.cycles += 1
            self.stats.cycle_starts_s.append(clock.monotonic())
            for dev in self._devices:
                if self._stop.is_set():
                    break
                if clock.monotonic() < self._readings[dev.name].next_try_s:
                    continue  # backed off: a silent device must not eat the line's time
                await self._poll(dev)
                await asyncio.sleep(t.gap_s)
            next_start += t.period_s
            delay = next_start - clock.monotonic()
            if delay < 0:
                self.stats.overruns += 1
                next_start = clock.monotonic()
                delay = 0.0
            await self._sleep(delay)
        self._drop_client()

    async def _sleep(self, delay_s: float) -> None:
        """Let ``delay_s`` of the clock's time pass, in real steps of at most 50 ms (stop stays responsive)."""
        end = self._clock.monotonic() + delay_s
        while not self._stop.is_set() and (left := end - self._clock.monotonic()) > 0:
            await asyncio.sleep(min(0.05, left))

    async def _poll(self, dev: BusDevice) -> None:
        t = self.timing
        error = "no attempt"
        for _attempt in range(1 + t.retries):
            self.stats.requests += 1
            try:
                client = await self._connected_client()
                values = await asyncio.wait_for(dev.read(client), timeout=t.timeout_s * 4)
            except Exception as err:  # every failure of one device is that device's fault only
                error = f"{type(err).__name__}: {err}"[:200]
                self.stats.failures += 1
                self._drop_client()  # OpenEMS: close the connection, then try again
                continue
            self._readings[dev.name] = after_success(self._readings[dev.name], values, self._clock.monotonic())
            return
        before = self._readings[dev.name]
        after = after_failure(before, error, self._clock.monotonic(), t)
        self._readings[dev.name] = after
        if before.fault is None and after.fault is not None:
            self._log.warning("device_invalid", device=dev.name, error=error, failures=after.failures)

    async def _connected_client(self) -> Any:
        if self._client is None:
            self._client = self._make_client()
        if not self._client.connected:
            await asyncio.wait_for(self._client.connect(), timeout=self.timing.timeout_s * 4)
            if not self._client.connected:
                raise ConnectionError("cannot open the line")
        return self._client

    def _drop_client(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except Exception:  # closing a broken transport may raise; nothing else to do
                pass
            self._client = None
