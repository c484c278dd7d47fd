"""gRPC servicers of the simulated Braiins OS miner: decode requests, delegate to :class:`BraiinsSim`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thermiq.adapters.braiins._pb import bos_v1_pb2 as pb
from thermiq.adapters.braiins._pb import bos_v1_pb2_grpc as pb_grpc

if TYPE_CHECKING:
    from hardware_sim.devices.braiins_sim import BraiinsSim


class Handlers(
    pb_grpc.AuthenticationServiceServicer,
    pb_grpc.ActionsServiceServicer,
    pb_grpc.MinerServiceServicer,
    pb_grpc.CoolingServiceServicer,
    pb_grpc.ConfigurationServiceServicer,
    pb_grpc.PerformanceServiceServicer,
):
    """gRPC servicers delegating to one :class:`BraiinsSim`."""

    def __init__(self, sim: BraiinsSim) -> None:
        self.sim = sim

    def Login(self, request, context):
        return self.sim._login(request, context)

    def PauseMining(self, request, context):
        return self.sim._pause(True, context)

    def ResumeMining(self, request, context):
        return self.sim._pause(False, context)

    def SetPowerTarget(self, request, context):
        return self.sim._set_target(request, context)

    def GetMinerDetails(self, request, context):
        self.sim._enter("GetMinerDetails", context)
        _, _, paused, _, _ = self.sim._telemetry()
        status = pb.MINER_STATUS_PAUSED if paused else pb.MINER_STATUS_NORMAL
        return pb.GetMinerDetailsResponse(uid="sim", hostname=self.sim.hostname, bosminer_uptime_s=100, status=status)

    def GetMinerStats(self, request, context):
        self.sim._enter("GetMinerStats", context)
        power, _, paused, _, _ = self.sim._telemetry()
        ghs = 0.0 if paused else power / 3250.0 * 90000.0  # S19J: 90 TH/s at 3250 W (docs/SOURCES.md S-BRAIINS)
        rh = pb.RealHashrate(
            last_5s=pb.GigaHashrate(gigahash_per_second=ghs),
            last_1m=pb.GigaHashrate(gigahash_per_second=ghs),
            last_5m=pb.GigaHashrate(gigahash_per_second=ghs),
        )
        return pb.GetMinerStatsResponse(
            miner_stats=pb.WorkSolverStats(
                real_hashrate=rh, nominal_hashrate=pb.GigaHashrate(gigahash_per_second=90000.0)
            ),
            power_stats=pb.MinerPowerStats(approximated_consumption=pb.Power(watt=int(round(power)))),
        )

    def _temps(self) -> tuple[float, float]:
        _, _, _, _, factor = self.sim._telemetry()
        if factor != 1.0:
            return factor, factor  # out_of_range: impossible temperatures
        return self.sim.board_temp_c, self.sim.chip_temp_c

    def GetHashboards(self, request, context):
        self.sim._enter("GetHashboards", context)
        board, chip = self._temps()
        boards = [
            pb.Hashboard(
                id=str(i),
                enabled=True,
                board_temp=pb.Temperature(degree_c=board + i),
                highest_chip_temp=pb.TemperatureSensor(
                    location=pb.SENSOR_LOCATION_CHIP, temperature=pb.Temperature(degree_c=chip + i)
                ),
            )
            for i in range(3)
        ]
        return pb.GetHashboardsResponse(hashboards=boards)

    def GetCoolingState(self, request, context):
        self.sim._enter("GetCoolingState", context)
        _, chip = self._temps()
        return pb.GetCoolingStateResponse(
            fans=[pb.FanState(position=i, rpm=3000, target_speed_ratio=0.5) for i in range(4)],
            highest_temperature=pb.TemperatureSensor(
                location=pb.SENSOR_LOCATION_CHIP, temperature=pb.Temperature(degree_c=chip + 2)
            ),
        )

    def GetConstraints(self, request, context):
        self.sim._enter("GetConstraints", context)
        s = self.sim
        pc = pb.PowerConstraints(
            default=pb.Power(watt=int(s._default_w)),
            min=pb.Power(watt=int(s.power_min_w)),
            max=pb.Power(watt=int(s.power_max_w)),
        )
        return pb.GetConstraintsResponse(tuner_constraints=pb.TunerConstraints(power_target=pc))

    def GetTunerState(self, request, context):
        self.sim._enter("GetTunerState", context)
        power, target, _, stable, _ = self.sim._telemetry()
        st = pb.PowerTargetModeState(
            profile=pb.PowerTargetProfile(
                target=pb.Power(watt=int(target)), estimated_power_consumption=pb.Power(watt=int(target))
            ),
            current_target=pb.Power(watt=int(target)),
        )
        return pb.GetTunerStateResponse(
            overall_tuner_state=pb.TUNER_STATE_STABLE if stable else pb.TUNER_STATE_TUNING, power_target_mode_state=st
        )
