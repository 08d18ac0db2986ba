"""Download the official input files for a state and year into ``data/raw/<source>/<vintage>/``.

- :mod:`~alignment.fetch.catalogue`: what can be fetched (sources, URLs, the check each file must pass);
- :mod:`~alignment.fetch.transport`: downloading (``requests`` with retries, resume, size limits, the
  rename into place, the folder's ``manifest.json``);
- :mod:`~alignment.fetch.verify`: checks of a downloaded file (layout, zip limits, sha256).

Each folder gets a ``manifest.json`` (URL, time, size, sha256 of every file). See ``docs/fetch.md``.

>>> from alignment.fetch import plan_fetch
>>> [spec.shown for spec in plan_fetch("VT", 2023, ["projections"])]
['projections/current/occupation.xlsx']
"""

from __future__ import annotations

from .catalogue import (
    CBSA_VINTAGES,
    DEFAULT_BASE_URLS,
    SOURCES,
    Expect,
    FileSpec,
    MiB,
    cbsa_vintage,
    describe_plan,
    load_fetch_config,
    parse_base_urls,
    plan_fetch,
    qcew_area_spec,
    qcew_counties,
)
from .errors import FetchError, OfflineError
from .transport import (
    DEFAULT_USER_AGENT,
    USER_AGENT_ENV,
    FetchOptions,
    FetchReport,
    FileResult,
    check_url,
    fetch,
    fetch_file,
)
from .verify import Limits, verify_file

__all__ = [
    "CBSA_VINTAGES",
    "DEFAULT_BASE_URLS",
    "DEFAULT_USER_AGENT",
    "SOURCES",
    "USER_AGENT_ENV",
    "Expect",
    "FetchError",
    "FetchOptions",
    "FetchReport",
    "FileResult",
    "FileSpec",
    "Limits",
    "MiB",
    "OfflineError",
    "cbsa_vintage",
    "check_url",
    "describe_plan",
    "fetch",
    "fetch_file",
    "load_fetch_config",
    "parse_base_urls",
    "plan_fetch",
    "qcew_area_spec",
    "qcew_counties",
    "verify_file",
]
