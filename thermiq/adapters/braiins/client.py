"""Thin synchronous gRPC client of one Braiins OS miner: login, telemetry, power target, pause.

Facts from docs/SOURCES.md S-BRAIINS: plaintext HTTP/2 on port 50051; ``Login`` returns a
session token (body field since API 1.1.0, initial metadata ``authorization`` before); every
other call carries metadata ``authorization: <token>`` with no "Bearer" prefix; the token
expires after 3600 s idle, so on ``UNAUTHENTICATED`` the client logs in again once and
repeats the call (as pyasic's boser.py does). Every call has a deadline. No control logic
lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from thermiq.adapters.braiins._pb import bos_v1_pb2 as pb
from thermiq.adapters.braiins._pb import bos_v1_pb2_grpc as pb_grpc

#: gRPC channel options: reconnect quickly to a miner that comes back (defaults back off to 120 s)
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 200),
    ("grpc.min_reconnect_backoff_ms", 200),
    ("grpc.max_reconnect_backoff_ms", 2000),
)


class BraiinsError(IOError):
    """A failed miner call; ``code`` is the gRPC status code (``None`` for local errors)."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None) -> None:
        super().__init__(message)
        self.code = code


class BraiinsClient:
    """One miner at ``target`` (``"host:port"``).

    Parameters
    ----------
    target : ``host:port`` of the Braiins OS gRPC API (plaintext).
    username, password : credentials (``root`` and a site secret; the password may be empty).
    deadline_s : deadline of every call [s].

    Raises
    ------
    ValueError
        If ``deadline_s`` is not positive.
    """

    def __init__(self, target: str, username: str, password: str, deadline_s: float = 2.0) -> None:
        if deadline_s <= 0:
            raise ValueError(f"deadline_s must be > 0, got {deadline_s}")
        self.target = target
        self.deadline_s = deadline_s
        self._username = username
        self._password = password
        self._channel = grpc.insecure_channel(target, options=CHANNEL_OPTIONS)
        self._auth = pb_grpc.AuthenticationServiceStub(self._channel)
        self._actions = pb_grpc.ActionsServiceStub(self._channel)
        self._miner = pb_grpc.MinerServiceStub(self._channel)
        self._cooling = pb_grpc.CoolingServiceStub(self._channel)
        self._config = pb_grpc.ConfigurationServiceStub(self._channel)
        self._perf = pb_grpc.PerformanceServiceStub(self._channel)
        self._token: str | None = None
        self.logins = 0

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    # -- authentication -------------------------------------------------------------------
    def login(self) -> str:
        """Log in and keep the session token.

        Raises
        ------
        BraiinsError
            ``UNAUTHENTICATED`` for bad credentials, or any transport error.
        """
        try:
            resp, call = self._auth.Login.with_call(
                pb.LoginRequest(username=self._username, password=self._password), timeout=self.deadline_s
            )
        except grpc.RpcError as err:
            raise BraiinsError(f"{self.target}: login failed: {err.code().name} {err.details()}", err.code()) from None
        token = resp.token or dict(call.initial_metadata() or ()).get("authorization", "")
        if not token:
            raise BraiinsError(f"{self.target}: login returned no token")
        self._token = token
        self.logins += 1
        return token

    def _call(self, method: Callable[..., Any], request: Any) -> Any:
        name = type(request).__name__.removesuffix("Request")
        for attempt in (1, 2):
            if self._token is None:
                self.login()
            try:
                return method(request, timeout=self.deadline_s, metadata=(("authorization", self._token),))
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.UNAUTHENTICATED and attempt == 1:
                    self._token = None  # session expired: log in again once, then repeat
                    continue
                raise BraiinsError(f"{self.target} {name}: {err.code().name} {err.details()}", err.code()) from None
        raise BraiinsError(f"{self.target}: still unauthenticated after a fresh login", grpc.StatusCode.UNAUTHENTICATED)

    # -- telemetry ------------------------------------------------------------------------
    def details(self) -> pb.GetMinerDetailsResponse:
        """``MinerService.GetMinerDetails`` (status, uptime)."""
        return self._call(self._miner.GetMinerDetails, pb.GetMinerDetailsRequest())

    def stats(self) -> pb.GetMinerStatsResponse:
        """``MinerService.GetMinerStats`` (hashrate, approximated consumption)."""
        return self._call(self._miner.GetMinerStats, pb.GetMinerStatsRequest())

    def hashboards(self) -> pb.GetHashboardsResponse:
        """``MinerService.GetHashboards`` (board and chip temperatures)."""
        return self._call(self._miner.GetHashboards, pb.GetHashboardsRequest())

    def cooling(self) -> pb.GetCoolingStateResponse:
        """``CoolingService.GetCoolingState`` (fans, highest temperature)."""
        return self._call(self._cooling.GetCoolingState, pb.GetCoolingStateRequest())

    def constraints(self) -> pb.GetConstraintsResponse:
        """``ConfigurationService.GetConstraints`` (power-target min/max/default)."""
        return self._call(self._config.GetConstraints, pb.GetConstraintsRequest())

    def tuner_state(self) -> pb.GetTunerStateResponse:
        """``PerformanceService.GetTunerState`` (target in force, tuning or stable)."""
        return self._call(self._perf.GetTunerState, pb.GetTunerStateRequest())

    # -- commands -------------------------------------------------------------------------
    def set_power_target(self, power_w: int) -> int:
        """``SetPowerTarget`` with ``SAVE_AND_APPLY`` (applies without restarting bosminer).

        Returns the target the miner confirmed [W]. The caller keeps ``power_w`` inside the
        miner's constraints; outside them the miner answers ``INVALID_ARGUMENT``.

        Raises
        ------
        ValueError
            If ``power_w`` is not positive (0 W is rejected by Braiins OS: pause instead).
        BraiinsError
            On any gRPC error.
        """
        if power_w <= 0:
            raise ValueError(f"power target must be > 0 W, got {power_w}; use pause() for 0 W")
        req = pb.SetPowerTargetRequest(
            save_action=pb.SAVE_ACTION_SAVE_AND_APPLY, power_target=pb.Power(watt=int(power_w))
        )
        return int(self._call(self._perf.SetPowerTarget, req).power_target.watt)

    def pause(self) -> bool:
        """``ActionsService.PauseMining``; returns ``already_paused``."""
        return bool(self._call(self._actions.PauseMining, pb.PauseMiningRequest()).already_paused)

    def resume(self) -> bool:
        """``ActionsService.ResumeMining``; returns ``already_mining``."""
        return bool(self._call(self._actions.ResumeMining, pb.ResumeMiningRequest()).already_mining)
