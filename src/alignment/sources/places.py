"""Read an institution places file: where an institution's awards are taught, as county shares.

IPEDS reports every award of an institution at its main campus. A places file says where they are taught
instead, one row per institution × county (× program family), with the share of the awards taught there:

==============  ==========================================================================================
column          meaning
==============  ==========================================================================================
``unitid``      the IPEDS UNITID of the institution (or ``institution``, its name as the supply file writes
                it, for an enrollment extract without UNITIDs); a row may give either, at least one
``county_fips`` the county of the campus: 5 digits, kept as text (a code that lost its leading zero in a
                spreadsheet, ``6037``, is read as ``06037``)
``share``       the share of the institution's awards taught there, from 0 to 1 (``0.6`` or ``60%``)
``cip``         optional: a CIP family (``51``), series (``51.38``) or code (``51.3801``); the row places that
                program family only, differently from the rest of the institution (nursing at one campus)
``campus``      optional: the campus name, for the reader of the file
==============  ==========================================================================================

The rows of one institution and one ``cip`` (blank = the rest of the institution) are a *group*: its shares
must add up to 1 within :data:`SHARE_TOLERANCE` (they are then scaled to exactly 1, so no award is made or
lost); a group that does not is refused, naming the institution and its sum. A county written twice in a
group (two campuses in one county) adds its shares. How the groups are applied to the supply rows is
:func:`alignment.supply.place_awards`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import clean_text, normalize_county_fips_series
from ..errors import InputError, Problem
from ._tabular import as_text, match_columns, read_raw

__all__ = ["ALIASES", "PLACE_COLUMNS", "SHARE_TOLERANCE", "institution_key", "read_places"]

#: the shares of one institution (and program family) may add up to 1 ± this; they are then scaled to 1
SHARE_TOLERANCE = 0.001

PLACE_COLUMNS = [
    "unitid",
    "institution",
    "key",
    "cip",
    "county_fips",
    "share",
    "campus",
    "source_file",
    "source_row",
]

#: Header names accepted for each column, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "unitid": ("unit_id", "ipeds_unitid", "ipeds_id"),
    "institution": ("institution_name", "instnm", "college", "school", "provider"),
    "county_fips": ("county", "county_code", "fips", "county_fips_code", "geoid"),
    "share": ("campus_share", "award_share", "fraction", "weight"),
    "cip": ("cip_code", "cip_prefix", "program_family", "cipcode"),
    "campus": ("campus_name", "site", "location", "center", "centre"),
}

_CIP_PREFIX = re.compile(r"^(\d{1,2})(?:\.(\d{2}|\d{4}))?$")
_SHARE = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*(%?)$")


def institution_key(unitid: object, institution: object) -> str | None:
    """The key an institution is matched on: ``id:<UNITID>`` when given, else ``name:<name>`` (case and
    repeated spaces ignored); ``None`` when neither is given.

    >>> institution_key("230861", None), institution_key(None, "  Community  College of VERMONT ")
    ('id:230861', 'name:community college of vermont')
    """
    uid = clean_text(unitid)
    if uid is not None:
        return "id:" + re.sub(r"\.0+$", "", uid)
    if institution is None or pd.isna(institution) or not str(institution).strip():
        return None
    return "name:" + " ".join(str(institution).split()).casefold()


def _cip_prefix(value: str | None) -> str | None | bool:
    """A CIP prefix as written in the file (``5`` → ``05``, ``51.38``, ``51.3801``); ``None`` when blank,
    ``False`` when it is not a family, series or code.

    >>> [_cip_prefix(v) for v in ["51", "1", "51.38", "51.3801", None, "51.3", "5138", "x"]]
    ['51', '01', '51.38', '51.3801', None, False, False, False]
    """
    if value is None or pd.isna(value):
        return None
    m = _CIP_PREFIX.match(value.strip())
    if not m:
        return False
    family = m.group(1).zfill(2)
    return family if m.group(2) is None else f"{family}.{m.group(2)}"


def _share(value: str | None) -> float | None:
    """A share from ``0.6``, ``.6`` or ``60%``; ``None`` when it is not a number from 0 to 1.

    >>> [_share(v) for v in ["0.6", ".25", "60%", "1", "1.2", "-0.1", "x", None]]
    [0.6, 0.25, 0.6, 1.0, None, None, None, None]
    """
    if value is None or pd.isna(value):
        return None
    m = _SHARE.match(value.strip())
    if not m:
        return None
    number = float(m.group(1)) / (100.0 if m.group(2) else 1.0)
    return number if 0.0 <= number <= 1.0 else None


def read_places(path: str | Path) -> pd.DataFrame:
    """Read an institution places file (CSV or Excel) into :data:`PLACE_COLUMNS`; raise :class:`InputError`
    naming file, row and column of every problem.

    ``key`` is :func:`institution_key`; ``cip`` the prefix (``<NA>`` for the rest of the institution);
    ``share`` a float scaled so that each group (institution × ``cip``) adds up to exactly 1 (a sum more than
    :data:`SHARE_TOLERANCE` away from 1 is refused, naming the institution, the program family and the sum);
    ``source_row`` the line a user sees. Rows with a share of 0 are kept (they place nothing).
    """
    table = read_raw(path, hints=[h for k, v in ALIASES.items() for h in (k, *v)])
    file, raw, rows = table.file, table.frame, table.rows.astype("int64")
    found, problems = match_columns(table, ALIASES, ["county_fips", "share"])
    if "unitid" not in found and "institution" not in found:
        accepted = ", ".join(("unitid", *ALIASES["unitid"], "institution", *ALIASES["institution"]))
        msg = f"no institution column found; columns found: {', '.join(raw.columns)}; accepted names: {accepted}"
        problems.append(Problem(file, None, None, msg))
    if problems:
        raise InputError(problems)

    def text(col: str) -> pd.Series:
        if col not in found:
            return pd.Series(pd.NA, index=raw.index, dtype="string")
        return as_text(raw[found[col]])

    def add(i: int, col: str, message: str) -> None:
        problems.append(Problem(file, int(rows.iat[i]), found.get(col, col), message))

    unitid, name = text("unitid"), text("institution")
    keys = [institution_key(u, n) for u, n in zip(unitid.tolist(), name.tolist(), strict=True)]
    uid_ok = unitid.str.replace(r"\.0+$", "", regex=True).str.fullmatch(r"\d+")
    for i in np.flatnonzero((unitid.notna() & ~uid_ok.fillna(False)).to_numpy()):
        add(i, "unitid", f"expected a numeric UNITID, got {unitid.iat[i]!r}")
    for i, key in enumerate(keys):
        if key is None:
            col = "unitid" if "unitid" in found else "institution"
            add(i, col, "no institution: give its UNITID or its name as the supply file writes it")
    county_raw = text("county_fips")
    county = normalize_county_fips_series(county_raw)
    for i in np.flatnonzero(county.isna().to_numpy()):
        add(
            i,
            "county_fips",
            f"expected a 5-digit county FIPS code (such as 50027), got {county_raw.iat[i]!r}",
        )
    share_raw = text("share")
    share = pd.Series([_share(v) for v in share_raw.tolist()], index=raw.index, dtype="Float64")
    for i in np.flatnonzero(share.isna().to_numpy()):
        add(i, "share", f"expected a share from 0 to 1 (such as 0.6 or 60%), got {share_raw.iat[i]!r}")
    cip_raw = text("cip")
    prefixes = [_cip_prefix(v) for v in cip_raw.tolist()]
    for i, p in enumerate(prefixes):
        if p is False:
            add(
                i,
                "cip",
                f"expected a CIP family (51), series (51.38) or code (51.3801), got {cip_raw.iat[i]!r}",
            )
    if problems:
        raise InputError(problems)
    out = pd.DataFrame(
        {
            "unitid": unitid.str.replace(r"\.0+$", "", regex=True).astype("string"),
            "institution": name.astype("string"),
            "key": pd.Series(keys, index=raw.index, dtype="string"),
            "cip": pd.Series(prefixes, index=raw.index, dtype="string"),
            "county_fips": county.astype("string"),
            "share": share.astype("float64"),
            "campus": text("campus").astype("string"),
            "source_file": pd.Series(file, index=raw.index, dtype="string"),
            "source_row": rows.to_numpy(),
        }
    )
    group = [out["key"], out["cip"].fillna("")]
    sums = out.groupby(group, sort=False)["share"].transform("sum")
    off = (sums - 1.0).abs() > SHARE_TOLERANCE
    for (_key, cip), g in out[off].groupby(group, sort=False):
        first = g.index[0]
        who = _who(out.loc[first])
        family = f" (program family {cip})" if cip else ""
        lines = ", ".join(str(r) for r in g["source_row"].tolist()[:10])
        problems.append(
            Problem(
                file,
                int(out.at[first, "source_row"]),
                found["share"],
                f"the shares of {who}{family} add up to {float(g['share'].sum()):.4g}, not 1 (rows {lines}); "
                "the shares of one institution (and program family) must add up to 1",
            )
        )
    if problems:
        raise InputError(problems)
    out["share"] = out["share"] / sums
    return out[PLACE_COLUMNS].reset_index(drop=True)


def _who(row: pd.Series) -> str:
    """An institution as a message names it: ``UNITID 230861`` or its name."""
    if pd.notna(row["unitid"]):
        named = f" ({row['institution']})" if pd.notna(row["institution"]) else ""
        return f"UNITID {row['unitid']}{named}"
    return repr(str(row["institution"]))
