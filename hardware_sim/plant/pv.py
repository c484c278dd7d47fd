"""PV output of any number of arrays and solar gains through windows, hourly, with pvlib.

Computed once per weather file (numpy/pandas here, never in the plant step).

1. Sun position at each stamp (+ the file's "Irradiance Time Offset" for TMY files) at the
   weather point: ``pvlib.solarposition.get_solarposition``.
2. Horizontal components: TMY files give GHI/DNI/DHI. A seriescalc file gives the plane-of-array
   irradiance of its plane: ``G(i)`` alone is decomposed with ``pvlib.irradiance.gti_dirint``
   (Marion 2015, GTI-DIRINT); the components ``Gb(i), Gd(i), Gr(i)`` are inverted directly
   (DNI = Gb(i)/cos AOI, DHI = Gd(i) 2/(1 + cos tilt) for an isotropic sky).
3. Each array's plane: ``pvlib.irradiance.get_total_irradiance`` (Perez 1990 sky diffuse). For
   an array in the file's own plane the transposed components are scaled so that their sum is
   the file's measured ``G(i)``; hours where the decomposition leaves the plane dark although
   ``G(i)`` > 0 (dawn/dusk) take ``G(i)`` as sky diffuse.
4. Reflection: ``pvlib.iam.martin_ruiz`` (a_r = 0.16) for beam, ``martin_ruiz_diffuse`` for
   sky and ground diffuse (the model PVGIS uses).
5. Module temperature: ``pvlib.temperature.faiman`` with PVGIS' free-standing c-Si values
   U0 = 26.9 W/(m²K), U1 = 6.2 W s/(m³K) (Huld & Amillo 2015, PVGIS documentation).
6. DC power: ``pvlib.pvarray.huld`` (Huld et al. 2011, c-Si coefficients of PVGIS 5), the model
   behind PVGIS' ``P`` column; then the array's system losses (PVGIS default 14 %) and the AC
   limit of its inverter. Spectral effects are not modelled.

Windows: vertical planes of each facade's azimuth through steps 1-3; gains [W] =
area x g x frame/shading factor x POA global.
"""

from __future__ import annotations

import warnings

import numpy as np

from hardware_sim.plant.params import HouseParams, PvArrayParams
from hardware_sim.plant.weather import Weather, WeatherError

FAIMAN_U0, FAIMAN_U1 = 26.9, 6.2
IAM_A_R = 0.16


class SkyModel:
    """Sun position and horizontal irradiance of one weather file (hourly arrays)."""

    def __init__(self, weather: Weather, albedo: float = 0.2) -> None:
        import pandas as pd
        import pvlib

        if weather.latitude_deg is None or weather.longitude_deg is None:
            raise WeatherError(f"{weather.meta.get('source')}: no latitude/longitude in the header")
        self.weather = weather
        self.albedo = albedo
        offset_h = float(weather.meta.get("irradiance time offset", 0.0) or 0.0)
        times = pd.DatetimeIndex(pd.to_datetime(weather.t_utc_s + offset_h * 3600.0, unit="s", utc=True))
        sp = pvlib.solarposition.get_solarposition(
            times, weather.latitude_deg, weather.longitude_deg, altitude=weather.elevation_m or 0.0
        )
        self.zenith = sp["apparent_zenith"].to_numpy()
        self.azimuth = sp["azimuth"].to_numpy()
        self.dni_extra = pvlib.irradiance.get_extra_radiation(times).to_numpy()
        self.airmass = pvlib.atmosphere.get_relative_airmass(self.zenith)
        self.temp_air = weather.outdoor_temp_c
        self.wind = weather.wind_m_s if weather.wind_m_s is not None else np.full(len(times), 1.0)
        if weather.ghi_dni_dhi_w_m2 is not None:
            self.ghi, self.dni, self.dhi = weather.ghi_dni_dhi_w_m2
        elif weather.poa_w_m2 is not None and weather.plane_deg is not None:
            tilt, az = weather.plane_deg
            aoi = pvlib.irradiance.aoi(tilt, az, self.zenith, self.azimuth)
            if "G(i)" in weather.poa_w_m2:
                with warnings.catch_warnings():  # GTI-DIRINT warns about dawn/dusk hours it leaves at its best
                    warnings.simplefilter("ignore", RuntimeWarning)
                    out = pvlib.irradiance.gti_dirint(
                        pd.Series(weather.poa_w_m2["G(i)"], index=times),
                        pd.Series(aoi, index=times),
                        pd.Series(self.zenith, index=times),
                        pd.Series(self.azimuth, index=times),
                        times,
                        tilt,
                        az,
                        albedo=albedo,
                    )
                self.ghi, self.dni, self.dhi = (
                    np.nan_to_num(out[c].to_numpy()).clip(0.0) for c in ("ghi", "dni", "dhi")
                )
            else:
                gb, gd = weather.poa_w_m2["Gb(i)"], weather.poa_w_m2["Gd(i)"]
                cos_aoi = np.cos(np.radians(aoi))
                self.dni = np.where((cos_aoi > 0.05) & (self.zenith < 88.0), gb / np.maximum(cos_aoi, 0.05), 0.0)
                self.dhi = gd * 2.0 / (1.0 + np.cos(np.radians(tilt)))
                self.ghi = self.dni * np.cos(np.radians(np.minimum(self.zenith, 90.0))) + self.dhi
        else:
            raise WeatherError(f"{weather.meta.get('source')}: no irradiance columns (need G(i) or GHI/DNI/DHI)")

    def plane(self, tilt_deg: float, azimuth_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(beam, sky diffuse, ground diffuse, aoi) on a plane [W/m², deg] (steps 3 above)."""
        import pvlib

        tot = pvlib.irradiance.get_total_irradiance(
            tilt_deg,
            azimuth_deg,
            self.zenith,
            self.azimuth,
            self.dni,
            self.ghi,
            self.dhi,
            dni_extra=self.dni_extra,
            airmass=self.airmass,
            albedo=self.albedo,
            model="perez",
        )
        beam = np.nan_to_num(np.asarray(tot["poa_direct"], dtype=float)).clip(0.0)
        sky = np.nan_to_num(np.asarray(tot["poa_sky_diffuse"], dtype=float)).clip(0.0)
        ground = np.nan_to_num(np.asarray(tot["poa_ground_diffuse"], dtype=float)).clip(0.0)
        w = self.weather
        if (
            w.poa_w_m2 is not None
            and "G(i)" in w.poa_w_m2
            and w.plane_deg is not None
            and abs(w.plane_deg[0] - tilt_deg) < 0.5
            and abs(w.plane_deg[1] - azimuth_deg) < 0.5
        ):
            measured = w.poa_w_m2["G(i)"]
            total = beam + sky + ground
            scale = np.divide(measured, total, out=np.zeros_like(total), where=total > 1.0)
            beam, sky, ground = beam * scale, sky * scale, ground * scale
            # dawn/dusk hours where the decomposition gives nothing although the file measured
            # light on the plane: that light is diffuse (no beam reaches the plane then)
            sky = np.where((total <= 1.0) & (measured > 0.0), measured, sky)
        aoi = pvlib.irradiance.aoi(tilt_deg, azimuth_deg, self.zenith, self.azimuth)
        return beam, sky, ground, aoi

    def array_ac_w(self, a: PvArrayParams) -> np.ndarray:
        """Hourly AC power of one array [W] (steps 3-6 above)."""
        import pvlib

        beam, sky, ground, aoi = self.plane(a.tilt_deg, a.azimuth_deg)
        iam_d = pvlib.iam.martin_ruiz_diffuse(a.tilt_deg, a_r=IAM_A_R)
        iam_sky, iam_ground = (iam_d["sky"], iam_d["ground"]) if isinstance(iam_d, dict) else iam_d
        effective = beam * pvlib.iam.martin_ruiz(aoi, a_r=IAM_A_R) + sky * iam_sky + ground * iam_ground
        poa = beam + sky + ground
        temp_mod = pvlib.temperature.faiman(poa, self.temp_air, self.wind, u0=FAIMAN_U0, u1=FAIMAN_U1)
        dc = pvlib.pvarray.huld(
            np.asarray(effective, dtype=float), np.asarray(temp_mod, dtype=float), a.kwp * 1000.0, cell_type="csi"
        )
        ac = np.nan_to_num(np.asarray(dc, dtype=float)).clip(0.0) * (1.0 - a.losses_pct / 100.0)
        return np.minimum(ac, a.inverter_limit_w)

    def solar_gains_w(self, house: HouseParams) -> np.ndarray:
        """Hourly solar gains through the windows [W]."""
        gains = np.zeros(len(self.zenith))
        factor = house.window_g * house.window_frame_shading_frac
        for win in house.windows:
            beam, sky, ground, _ = self.plane(90.0, win.azimuth_deg)
            gains += win.area_m2 * factor * (beam + sky + ground)
        return gains


def pv_ac_w(sky: SkyModel, arrays: tuple[PvArrayParams, ...]) -> np.ndarray:
    """Hourly AC power of all arrays together [W]."""
    total = np.zeros(len(sky.zenith))
    for a in arrays:
        total += sky.array_ac_w(a)
    return total
