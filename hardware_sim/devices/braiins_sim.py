"""A simulated Braiins OS miner: a grpcio server on 127.0.0.1 speaking ThermIQ's proto subset.

Behaviour (docs/SOURCES.md S-BRAIINS): ``Login`` checks the credentials and returns a
session token in the body and the ``authorization`` initial metadata; every other call
needs that token (sliding expiry, ``token_timeout_s``); ``SetPowerTarget`` outside the
constraints answers ``INVALID_ARGUMENT`` in the firmware's words; pause and resume flip
the status with ``already_*`` flags; the consumption ramps slowly towards the target
(``ramp_w_per_s``; TUNING until within 50 W, then STABLE) and to ``paused_power_w`` when
paused. The harness reads :meth:`BraiinsSim.miner_state` and may override the measured
power (:meth:`BraiinsSim.set_measured_power`) so a plant model can take its heat from it.

Faults (:meth:`BraiinsSim.set_fault`): ``"unavailable"`` (every call UNAVAILABLE),
``"hang"`` (calls never answer until the client's deadline), ``"slow"`` (each reply delayed
``delay_s``), ``"bad_credentials"`` (logins refused), ``"out_of_range"`` (telemetry with
impossible power and temperatures).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent import futures

import grpc

from hardware_sim.devices.braiins_servicers import Handlers
from thermiq.adapters.braiins._pb import bos_v1_pb2 as pb
from thermiq.adapters.braiins._pb import bos_v1_pb2_grpc as pb_grpc

FAULTS = (None, "unavailable", "hang", "slow", "bad_credentials", "out_of_range")
STABLE_BAND_W = 50.0


class BraiinsSim:
    """One simulated miner.

    Parameters
    ----------
    port : TCP port on 127.0.0.1 (0: pick a free one; read :attr:`port` after :meth:`start`).
    username, password : accepted credentials.
    power_min_w, power_max_w, power_default_w : the tuner's power-target constraints [W].
    ramp_w_per_s : how fast the consumption follows the target [W/s].
    paused_power_w : consumption while paused (control board, PSU idle, fans) [W].
    token_timeout_s : sliding session timeout [s].
    clock : monotonic clock of the simulation [s].
    """

    def __init__(
        self,
        port: int = 0,
        username: str = "root",
        password: str = "root",
        power_min_w: float = 1700.0,
        power_max_w: float = 3600.0,
        power_default_w: float = 3250.0,
        ramp_w_per_s: float = 25.0,
        paused_power_w: float = 15.0,
        token_timeout_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        hostname: str = "sim-miner",
    ) -> None:
        if not 0 < power_min_w < power_default_w <= power_max_w:
            raise ValueError("need 0 < power_min_w < power_default_w <= power_max_w")
        self.port = port
        self.username, self.password = username, password
        self.power_min_w, self.power_max_w = power_min_w, power_max_w
        self.ramp_w_per_s = ramp_w_per_s
        self.paused_power_w = paused_power_w
        self.token_timeout_s = token_timeout_s
        self.hostname = hostname
        self._clock = clock
        self._lock = threading.Lock()
        self._target_w = power_default_w
        self._default_w = power_default_w
        self._measured_w = paused_power_w
        self._override_w: float | None = None
        self._paused = False
        self._last_s = clock()
        self._tokens: dict[str, float] = {}
        self._fault: str | None = None
        self._delay_s = 0.0
        self.board_temp_c = 55.0
        self.chip_temp_c = 70.0
        self.calls: dict[str, int] = {}
        self.save_actions: list[int] = []
        self._server: grpc.Server | None = None

    # -- harness side -------------------------------------------------------------------------
    def _advance(self) -> None:
        now = self._clock()
        dt = max(0.0, now - self._last_s)
        self._last_s = now
        goal = self.paused_power_w if self._paused else self._target_w
        step = self.ramp_w_per_s * dt
        diff = goal - self._measured_w
        self._measured_w = goal if abs(diff) <= step else self._measured_w + step * (1 if diff > 0 else -1)

    def miner_state(self) -> dict:
        """Current simulated state: status, target, measured power [W], tuner state, counters."""
        with self._lock:
            self._advance()
            return {
                "paused": self._paused,
                "power_target_w": self._target_w,
                "measured_power_w": self._measured(),
                "tuner": "stable" if self._stable() else "tuning",
                "logins": self.calls.get("Login", 0),
                "calls": dict(self.calls),
                "fault": self._fault,
            }

    def _measured(self) -> float:
        return self._override_w if self._override_w is not None else self._measured_w

    def _stable(self) -> bool:
        return self._paused or abs(self._measured_w - self._target_w) <= STABLE_BAND_W

    def set_measured_power(self, power_w: float | None) -> None:
        """Override the reported consumption [W] (``None``: follow the ramp again).

        Raises
        ------
        ValueError
            If ``power_w`` is negative.
        """
        if power_w is not None and power_w < 0:
            raise ValueError(f"measured power must be >= 0 W, got {power_w}")
        with self._lock:
            self._override_w = power_w

    def set_fault(self, fault: str | None, delay_s: float = 1.0) -> None:
        """Inject ``fault`` (one of :data:`FAULTS`); ``delay_s`` is the delay of ``"slow"``.

        Raises
        ------
        ValueError
            For an unknown fault.
        """
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; faults: {FAULTS}")
        self._fault, self._delay_s = fault, delay_s

    def expire_tokens(self) -> None:
        """End every session, as 3600 s of inactivity would."""
        with self._lock:
            self._tokens.clear()

    # -- server -------------------------------------------------------------------------------
    def start(self) -> BraiinsSim:
        """Serve on 127.0.0.1:``port``.

        Raises
        ------
        OSError
            If the port cannot be bound.
        """
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        handlers = Handlers(self)
        pb_grpc.add_AuthenticationServiceServicer_to_server(handlers, server)
        pb_grpc.add_ActionsServiceServicer_to_server(handlers, server)
        pb_grpc.add_MinerServiceServicer_to_server(handlers, server)
        pb_grpc.add_CoolingServiceServicer_to_server(handlers, server)
        pb_grpc.add_ConfigurationServiceServicer_to_server(handlers, server)
        pb_grpc.add_PerformanceServiceServicer_to_server(handlers, server)
        try:
            bound = server.add_insecure_port(f"127.0.0.1:{self.port}")
        except RuntimeError as err:
            raise OSError(f"cannot bind 127.0.0.1:{self.port}: {err}") from None
        if bound == 0:
            raise OSError(f"cannot bind 127.0.0.1:{self.port}")
        self.port = bound
        server.start()
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None:
            self._server.stop(grace=0.2).wait(5)
            self._server = None

    @property
    def target(self) -> str:
        """``host:port`` for a client."""
        return f"127.0.0.1:{self.port}"

    # -- request handling (called by _Handlers) ---------------------------------------------
    def _enter(self, name: str, context: grpc.ServicerContext, auth: bool = True) -> None:
        with self._lock:
            self.calls[name] = self.calls.get(name, 0) + 1
        fault = self._fault
        if fault == "unavailable":
            context.abort(grpc.StatusCode.UNAVAILABLE, "miner unavailable (simulated)")
        if fault == "hang":
            while context.is_active() and self._fault == "hang":
                time.sleep(0.02)
            context.abort(grpc.StatusCode.UNAVAILABLE, "hang ended")
        if fault == "slow":
            time.sleep(self._delay_s)
        if auth:
            token = dict(context.invocation_metadata()).get("authorization")
            now = self._clock()
            with self._lock:
                expiry = self._tokens.get(token or "")
                if expiry is None or now > expiry:
                    self._tokens.pop(token or "", None)
                    context.abort(grpc.StatusCode.UNAUTHENTICATED, "Missing or invalid authentication token")
                self._tokens[token] = now + self.token_timeout_s  # sliding session

    def _login(self, req: pb.LoginRequest, context: grpc.ServicerContext) -> pb.LoginResponse:
        self._enter("Login", context, auth=False)
        if self._fault == "bad_credentials" or (req.username, req.password) != (self.username, self.password):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "Bad credentials")
        token = secrets.token_hex(8)
        with self._lock:
            self._tokens[token] = self._clock() + self.token_timeout_s
        context.send_initial_metadata((("authorization", token),))
        return pb.LoginResponse(token=token, timeout_s=int(self.token_timeout_s))

    def _set_target(self, req: pb.SetPowerTargetRequest, context) -> pb.SetPowerTargetResponse:
        self._enter("SetPowerTarget", context)
        w = req.power_target.watt
        if not self.power_min_w <= w <= self.power_max_w:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"power target [{w}W] is not in allowed range "
                f"[Some({int(self.power_min_w)}), Some({int(self.power_max_w)})]",
            )
        with self._lock:
            self._advance()
            self._target_w = float(w)
            self.save_actions.append(req.save_action)
        return pb.SetPowerTargetResponse(power_target=pb.Power(watt=w))

    def _pause(self, paused: bool, context):
        self._enter("PauseMining" if paused else "ResumeMining", context)
        with self._lock:
            self._advance()
            already = self._paused == paused
            self._paused = paused
        return (
            pb.PauseMiningResponse(already_paused=already)
            if paused
            else pb.ResumeMiningResponse(already_mining=already)
        )

    def _telemetry(self) -> tuple[float, float, float, bool, float]:
        with self._lock:
            self._advance()
            power, target, paused = self._measured(), self._target_w, self._paused
            stable = self._stable()
        if self._fault == "out_of_range":
            return 65000.0, target, paused, stable, 400.0
        return power, target, paused, stable, 1.0
