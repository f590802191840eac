"""Coordinate frames of Chinese maps and distances, in Python (the dbt macros do the same in SQL).

WGS-84 is GPS; GCJ-02 is the frame every Chinese map (Amap, Tencent) and the CRM exports use;
BD-09 is Baidu's, a further offset of GCJ-02. The GCJ-02 offset is the published formula on
the Krasovsky ellipsoid; GCJ-02 -> WGS-84 inverts it by fixed-point iteration (error well
under a metre).
"""

from __future__ import annotations

import math

_A = 6378245.0  # Krasovsky 1940 semi-major axis, m
_EE = 0.00669342162296594323  # its first eccentricity squared
_BD_FACTOR = math.pi * 3000.0 / 180.0
EARTH_RADIUS_KM = 6371.0088


def _waves(u: float, v: float, k1: float, k2: float) -> float:
    """The published formula's sine terms along one axis (u: the axis, v: the other)."""
    return (
        (20 * math.sin(6 * v * math.pi) + 20 * math.sin(2 * v * math.pi)) * 2 / 3
        + (20 * math.sin(u * math.pi) + 40 * math.sin(u / 3 * math.pi)) * 2 / 3
        + (k1 * math.sin(u / 12 * math.pi) + k2 * math.sin(u * math.pi / 30)) * 2 / 3
    )


def _gcj02_offset(lon: float, lat: float) -> tuple[float, float]:
    """Degrees GCJ-02 lies east and north of a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    north = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    north += _waves(y, x, 160, 320)
    east = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    east += _waves(x, x, 150, 300)
    sin_lat = math.sin(math.radians(lat))
    magic = 1 - _EE * sin_lat * sin_lat
    north = north * 180 / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    east = east * 180 / (_A / math.sqrt(magic) * math.cos(math.radians(lat)) * math.pi)
    return east, north


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    wgs_lon, wgs_lat = lon, lat
    for _ in range(4):
        east, north = _gcj02_offset(wgs_lon, wgs_lat)
        wgs_lon, wgs_lat = lon - east, lat - north
    return wgs_lon, wgs_lat


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Baidu's BD-09 back to GCJ-02 (the published inverse of Baidu's offset)."""
    x, y = lon - 0.0065, lat - 0.006
    radius = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_FACTOR)
    angle = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_FACTOR)
    return radius * math.cos(angle), radius * math.sin(angle)


def to_wgs84(lon: float, lat: float, frame: str) -> tuple[float, float]:
    """A coordinate of an export in ``frame`` (wgs84, gcj02, bd09) as WGS-84."""
    if frame == "wgs84":
        return lon, lat
    if frame == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if frame == "bd09":
        return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
    raise ValueError(f"unknown coordinate frame {frame!r} (wgs84, gcj02 or bd09)")


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
