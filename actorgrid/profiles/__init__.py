"""Generation and load profiles: integer Wh per slot for every Source and Consumer.

>>> from datetime import datetime, UTC
>>> profile = make_profile({"kind": "pv", "kwp": 5, "tilt": 30, "azimuth": 180},
...                        start=datetime(2026, 6, 21, tzinfo=UTC), slot_minutes=15, slots=96)
>>> profile.energy_wh(60)  # Wh produced in slot 60, O(1)

Slot ``k`` covers ``[start + k*slot_minutes, start + (k+1)*slot_minutes)``; ``start`` must
be timezone-aware. Spec shapes (plain dicts, ``kind`` selects the model; unknown keys are
rejected):

* ``{"kind": "pv", "kwp", "tilt", "azimuth", "losses"?, "latitude"?, "longitude"?}`` —
  pvlib PVWatts ModelChain on the bundled TMY3 weather (Greensboro NC, UTC-5); azimuth in
  degrees from north (180 = south), losses in % (default 14); latitude/longitude default
  to the weather file's site.
* ``{"kind": "wind", "turbine_type", "hub_height", "count"?, "wind_speed_model"?,
  "roughness_length"?, "hellman_exponent"?}`` — windpowerlib power curve of a turbine from
  its bundled library, TMY wind speed (10 m) extrapolated to hub height.
* ``{"kind": "bdew", "profile": "H25"|"G25"|"L25", "annual_kwh", "timezone"?,
  "holidays"?}`` — demandlib's 2025 BDEW standard load profile on the wall clock of
  ``timezone`` (default: the weather file's), each calendar year scaled to annual_kwh.
* ``{"kind": "csv", "path", "column", "unit"?: "wh"|"kwh"|"w", "time_column"?,
  "timezone"?, "repeat"?}`` — replay of a measured series.
* ``{"kind": "fixed", "wh"}`` and ``{"kind": "random", "min_wh", "max_wh", "seed"}``.

PV and wind map each slot onto the typical year by day of year in the weather file's
local standard time. Values are rounded with the remainder carried from slot to slot,
so any run prefix sums to its rounded exact total.
"""

from ._errors import ProfileError, SlotOutOfRange
from ._factory import KINDS, clear_cache, make_profile, parse_spec
from ._profile import Profile
from ._weather import Site, weather_site
from ._wind import turbine_types

__all__ = [
    "KINDS",
    "Profile",
    "ProfileError",
    "Site",
    "SlotOutOfRange",
    "clear_cache",
    "make_profile",
    "parse_spec",
    "turbine_types",
    "weather_site",
]
