"""PV output of any number of arrays and solar gains through windows, hourly, with pvlib.

Computed once per weather file and run, as whole-year numpy arrays (``BoundarySeries`` keeps
them); nothing here runs in the scan or the plant step.

The power chain is the one PVGIS uses for the ``P`` column of a seriescalc file, step by step
with pvlib where pvlib has the piece. Sources: JRC, "PVGIS data sources & calculation methods"
(joint-research-centre.ec.europa.eu/pvgis-photovoltaic-geographical-information-system/
getting-started-pvgis/pvgis-data-sources-calculation-methods_da, in English) and the JRC's own
PVGIS 6 code, github.com/NikosAlexandris/pvgis-prototype (EUPL-1.2, commit 875d16f,
2025-12-04), which quotes the PVGIS 5.2 constants.

1. Sun position at each stamp (+ the file's "Irradiance Time Offset" for TMY files) at the
   weather point: ``pvlib.solarposition.get_solarposition`` (a seriescalc ``H_sun`` agrees to
   0.03° ± 0.16° at the stamp).
2. In-plane irradiance [W/m²] as beam, sky diffuse and ground-reflected parts:

   * seriescalc ``Gb(i), Gd(i), Gr(i)`` (PVGIS ``components=1``) on the file's own plane: used
     as they are, which is what PVGIS' power model gets;
   * seriescalc ``G(i)`` alone on its own plane: split with GTI-DIRINT (Marion 2015,
     ``pvlib.irradiance.gti_dirint``) and Perez, the parts scaled so that they add up to the
     file's ``G(i)``; dawn/dusk hours the decomposition leaves dark take ``G(i)`` as sky diffuse;
   * any other plane: GHI/DNI/DHI transposed with Perez 1990
     (``pvlib.irradiance.get_total_irradiance``). GHI/DNI/DHI are the TMY columns, or recovered
     from the seriescalc plane: GTI-DIRINT for ``G(i)``; for the components DNI = Gb(i)/cos θ,
     GHI = Gr(i) / (albedo (1 - cos tilt)/2) (isotropic ground reflection, the site albedo) and
     DHI = GHI - DNI cos z (z the zenith angle).
3. Reflection loss, Martin & Ruiz 2001 (Sol. Energy Mater. Sol. Cells 70:25):
   beam IAM = (1 - exp(-cos θ / a_r)) / (1 - exp(-1 / a_r)), θ the angle of incidence; sky and
   ground with their diffuse integrals (c1 = 4/(3π), c2 = a_r/2 - 0.154);
   a_r = 0.155, PVGIS 5.2's value (pvgis-prototype ``constants.py``,
   ``REFLECTIVITY_EFFECT_COEFFICIENT``). ``pvlib.iam.martin_ruiz``, ``martin_ruiz_diffuse``.
   G_eff = G_b IAM_b + G_d IAM_d + G_r IAM_r [W/m²].
4. Module temperature, Faiman 2008 (Prog. Photovolt. 16:307): T_m = T_a + G / (U0 + U1 v) [°C],
   G the in-plane irradiance [W/m²], T_a the file's ``T2m`` [°C], v its ``WS10m`` [m/s]; c-Si
   free-standing U0 = 26.9 W/(m² K), U1 = 6.2 W s/(m³ K), building-integrated U0 = 20.0,
   U1 = 3.2 (pvgis-prototype ``algorithms/huld/efficiency_coefficients.py``).
   ``pvlib.temperature.faiman``. PVGIS asks for the mounting: free-standing (a rack, air moves
   freely behind the modules, PVGIS' default) or building-integrated (built into the roof or
   wall, little or no air behind; "up to 15 °C" hotter at 1000 W/m², PVGIS user manual,
   "mounting position"); ``PvArrayParams.mounting``.
5. DC power, Huld et al. 2011 (Sol. Energy Mater. Sol. Cells 95:3359):
   P_DC = P_STC G' (1 + k1 ln G' + k2 ln² G' + T' (k3 + k4 ln G' + k5 ln² G') + k6 T'²) [W],
   G' = G_eff / 1000 W/m², T' = T_m - 25 °C, c-Si k1..k6 = -0.017237, -0.040465, -0.004702,
   0.000149, 0.000170, 0.000005 (PVGIS 5, calculation methods section 5.2.3, as pvlib quotes
   them; "Old cSi" in pvgis-prototype). ``pvlib.pvarray.huld(..., k_version="pvgis5")``.
6. AC power: P = P_DC (1 - L / 100), L PVGIS' "system loss" [%] (the file header's
   ``System losses (%)``, PVGIS default 14), then the AC limit of the array's inverter (ours;
   PVGIS has none).

Not modelled: PVGIS' spectral correction. PVGIS multiplies by a spectral factor from its own
satellite-derived spectral data (a series read from data in pvgis-prototype, default 1); pvlib's
maintainers note it is neither exposed by the API nor documented in enough detail to reproduce
(pvlib PR #1940). Without it the chain reproduces the ``P`` column of three PVGIS files within
0.6 % a year (the bundled one: README.md, "Validation"; ``python -m hardware_sim.plant.pvgis_compare``).

Windows: vertical planes of each facade's azimuth through steps 1-2; gains [W] =
area x g x frame/shading factor x in-plane global irradiance.
"""

from __future__ import annotations

import warnings

import numpy as np

from hardware_sim.plant.params import HouseParams, PvArrayParams
from hardware_sim.plant.weather import Weather, WeatherError

FAIMAN_U0_U1 = {"free-standing": (26.9, 6.2), "building-integrated": (20.0, 3.2)}
"""PVGIS' Faiman coefficients for c-Si by mounting: (U0 [W/(m² K)], U1 [W s/(m³ K)]) (step 4)."""
IAM_A_R = 0.155
"""Martin & Ruiz angular loss coefficient a_r, PVGIS 5.2's value (step 3)."""
NO_INVERTER_LIMIT_W = 1e6
"""Inverter limit given to an array read from a PVGIS file header (PVGIS has none)."""
NOMINAL_POWER_KEY = "Nominal power of the PV system (c-Si) (kWp)"
SYSTEM_LOSS_KEY = "System losses (%)"


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
                gb, gd, gr = (weather.poa_w_m2[c] for c in ("Gb(i)", "Gd(i)", "Gr(i)"))
                cos_aoi = np.cos(np.radians(aoi))
                self.dni = np.where((cos_aoi > 0.05) & (self.zenith < 88.0), gb / np.maximum(cos_aoi, 0.05), 0.0)
                beam_h = self.dni * np.cos(np.radians(np.minimum(self.zenith, 90.0)))
                view_ground = (1.0 - np.cos(np.radians(tilt))) / 2.0
                if view_ground * albedo > 0.01:
                    # ground-reflected = albedo x GHI x (1 - cos tilt)/2 (isotropic ground, as PVGIS)
                    self.ghi = np.maximum(gr / (albedo * view_ground), beam_h)
                    self.dhi = self.ghi - beam_h
                else:  # a (nearly) flat plane sees no ground: take its sky diffuse as isotropic
                    self.dhi = gd * 2.0 / (1.0 + np.cos(np.radians(tilt)))
                    self.ghi = beam_h + self.dhi
        else:
            raise WeatherError(f"{weather.meta.get('source')}: no irradiance columns (need G(i) or GHI/DNI/DHI)")

    def plane(self, tilt_deg: float, azimuth_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(beam, sky diffuse, ground diffuse, aoi) on a plane [W/m², deg] (step 2 above).

        Each is an hourly array of the weather file's length.
        """
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
        aoi = pvlib.irradiance.aoi(tilt_deg, azimuth_deg, self.zenith, self.azimuth)
        own_plane = (
            w.poa_w_m2 is not None
            and w.plane_deg is not None
            and abs(w.plane_deg[0] - tilt_deg) < 0.5
            and abs(w.plane_deg[1] - azimuth_deg) < 0.5
        )
        if own_plane and "Gb(i)" in w.poa_w_m2:
            # PVGIS' own split of its own plane: what its power model is fed
            return (w.poa_w_m2["Gb(i)"].clip(0.0), w.poa_w_m2["Gd(i)"].clip(0.0), w.poa_w_m2["Gr(i)"].clip(0.0), aoi)
        if own_plane and "G(i)" in w.poa_w_m2:
            measured = w.poa_w_m2["G(i)"]
            total = beam + sky + ground
            scale = np.divide(measured, total, out=np.zeros_like(total), where=total > 1.0)
            beam, sky, ground = beam * scale, sky * scale, ground * scale
            # dawn/dusk hours where the decomposition gives nothing although the file measured
            # light on the plane: that light is diffuse (no beam reaches the plane then)
            sky = np.where((total <= 1.0) & (measured > 0.0), measured, sky)
        return beam, sky, ground, aoi

    def array_ac_w(self, a: PvArrayParams) -> np.ndarray:
        """Hourly AC power of one array [W], shape of the weather file (steps 2-6 above)."""
        import pvlib

        beam, sky, ground, aoi = self.plane(a.tilt_deg, a.azimuth_deg)
        iam_d = pvlib.iam.martin_ruiz_diffuse(a.tilt_deg, a_r=IAM_A_R)
        iam_sky, iam_ground = (iam_d["sky"], iam_d["ground"]) if isinstance(iam_d, dict) else iam_d
        effective = beam * pvlib.iam.martin_ruiz(aoi, a_r=IAM_A_R) + sky * iam_sky + ground * iam_ground
        poa = beam + sky + ground
        u0, u1 = FAIMAN_U0_U1[a.mounting]
        temp_mod = pvlib.temperature.faiman(poa, self.temp_air, self.wind, u0=u0, u1=u1)
        dc = pvlib.pvarray.huld(
            np.asarray(effective, dtype=float),
            np.asarray(temp_mod, dtype=float),
            a.kwp * 1000.0,
            cell_type="csi",
            k_version="pvgis5",
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


def pvgis_file_array(weather: Weather, mounting: str = "free-standing") -> PvArrayParams:
    """The PV system a PVGIS seriescalc file's ``P`` column was computed for, from its header.

    Plane from ``Slope:``/``Azimuth:``, size from ``Nominal power of the PV system (c-Si) (kWp)``,
    system loss from ``System losses (%)``, no inverter limit. The header does not state the
    mounting PVGIS was asked for (``mountingplace``): pass it; the default is PVGIS' default,
    free-standing.

    Raises
    ------
    WeatherError
        The file is not a seriescalc with a PV calculation (no plane, no c-Si nominal power or
        no system loss line in the header).
    """
    source = weather.meta.get("source")
    if weather.plane_deg is None:
        raise WeatherError(f"{source}: no 'Slope:'/'Azimuth:' plane in the header (not a seriescalc PV file)")
    try:
        kwp = float(str(weather.meta[NOMINAL_POWER_KEY]).split()[0])
        losses_pct = float(str(weather.meta[SYSTEM_LOSS_KEY]).split()[0])
    except (KeyError, ValueError, IndexError):
        raise WeatherError(
            f"{source}: header lacks '{NOMINAL_POWER_KEY}' or '{SYSTEM_LOSS_KEY}' (a c-Si PV calculation)"
        ) from None
    tilt, azimuth = weather.plane_deg
    return PvArrayParams(
        tilt_deg=tilt,
        azimuth_deg=azimuth,
        kwp=kwp,
        inverter_limit_w=NO_INVERTER_LIMIT_W,
        losses_pct=losses_pct,
        mounting=mounting,
    )
