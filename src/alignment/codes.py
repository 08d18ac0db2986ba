"""Normalize the codes found in user files: CIP, SOC, NAICS, county and state FIPS.

Every ``normalize_*`` function takes one cell as read from a file (a string, an
integer, a float that Excel made of a code, ``None``/NaN) and returns the code
as a canonical string, or ``None`` when it cannot be normalized. ``None`` is not
an error here: the caller records the cell as unmatched and names its file, row
and column.

Each scalar function has a vectorised twin on a :class:`pandas.Series`
(``normalize_cip_series`` ...; or ``normalize(series, kind)``) that returns a
nullable ``string`` Series with ``<NA>`` for what could not be normalized. The
Series versions normalize each *distinct* value once (``pandas.factorize``) and
broadcast the result back, so a million enrollment rows with a few thousand
distinct codes take well under a second.

Cleaning shared by every code type (:func:`clean_text`): whitespace (including
non-breaking spaces) is removed, an Excel text formula ``="01.0000"`` is
unwrapped, a leading apostrophe (Excel's "store as text" mark) and surrounding
quotes are dropped.

>>> normalize_cip('="01.0000"'), normalize_cip(51.38), normalize_cip("10000")
('01.0000', '51.3800', '01.0000')
>>> normalize_soc("15-1252.00"), normalize_naics("31-33"), normalize_county_fips(6037)
('15-1252', '31-33', '06037')
>>> normalize_state_fips("CA"), slugify("Greater Los Angeles WDB")
('06', 'greater-los-angeles-wdb')
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
import unicodedata
from collections.abc import Callable

import pandas as pd

__all__ = [
    "STATE_FIPS",
    "STATE_POSTAL",
    "KINDS",
    "clean_text",
    "normalize_cip",
    "normalize_soc",
    "normalize_naics",
    "normalize_county_fips",
    "normalize_state_fips",
    "normalize_cip_series",
    "normalize_soc_series",
    "normalize_naics_series",
    "normalize_county_fips_series",
    "normalize_state_fips_series",
    "normalize",
    "cip_series",
    "cip_family",
    "slugify",
]

#: Postal abbreviation -> state FIPS code: the 50 states, DC, Puerto Rico and the territories.
STATE_FIPS: dict[str, str] = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09", "DE": "10",
    "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17", "IN": "18", "IA": "19",
    "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24", "MA": "25", "MI": "26", "MN": "27",
    "MS": "28", "MO": "29", "MT": "30", "NE": "31", "NV": "32", "NH": "33", "NJ": "34", "NM": "35",
    "NY": "36", "NC": "37", "ND": "38", "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44",
    "SC": "45", "SD": "46", "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53",
    "WV": "54", "WI": "55", "WY": "56",
    "AS": "60", "GU": "66", "MP": "69", "PR": "72", "UM": "74", "VI": "78",
}  # fmt: skip
#: State FIPS code -> postal abbreviation.
STATE_POSTAL: dict[str, str] = {v: k for k, v in STATE_FIPS.items()}

KINDS = ("cip", "soc", "naics", "county_fips", "state_fips")

_WS = re.compile(r"\s+")
_FORMULA = re.compile(r'^=\s*"(.*)"$')
_CIP_DOTTED = re.compile(r"^(\d{1,2})(?:\.(\d{0,4}))?$")
_CIP_DIGITS = re.compile(r"^(\d{5,6})(?:\.0+)?$")
_SOC = re.compile(r"^(\d{2})[-.]?(\d{4})(?:\.\d{2})?$")
_NAICS = re.compile(r"^\d{2,6}$")
_NAICS_RANGES = {"31-33", "44-45", "48-49"}
_INT_TEXT = re.compile(r"^(\d+)(?:\.0+)?$")


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def clean_text(value: object) -> str | None:
    """The text of a cell with spaces, quotes and Excel text wrappers removed; ``None`` if empty.

    Integers (and floats holding an integer) become their digits, other floats their
    shortest representation.

    >>> clean_text(' ="06037" '), clean_text("'01.0000"), clean_text(6037.0), clean_text("  ")
    ('06037', '01.0000', '6037', None)
    """
    if _is_missing(value):
        return None
    if _is_number(value):
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    text = _WS.sub("", str(value))
    m = _FORMULA.match(text)
    if m:
        text = m.group(1)
    text = text.lstrip("'").strip("\"'")
    return text or None


def _code_text(value: object, float_format: str) -> str | None:
    """The text of a code cell; a fractional number (a code Excel stored as a number) is written back with
    four decimals by ``float_format``; None for a fraction finer than four decimals or a blank."""
    if _is_number(value) and not float(value).is_integer():
        x = float(value)
        if math.isnan(x) or abs(x * 10_000 - round(x * 10_000)) > 1e-6:
            return None
        value = float_format.format(x)
    return clean_text(value)


def normalize_cip(value: object) -> str | None:
    """A CIP 2020 code as ``NN.NNNN``, or ``None`` when it cannot be normalized.

    Rules, applied after :func:`clean_text`:

    * ``NN.NNNN`` is kept as is;
    * a family of 1–2 digits with 0–4 decimals is a number that lost its zeros
      (Excel turns ``01.0000`` into ``1`` and ``51.3800`` into ``51.38``): the family
      is left-padded to 2 digits and the decimals right-padded to 4
      (``1`` → ``01.0000``, ``1.01`` → ``01.0100``, ``01.00`` → ``01.0000``);
    * 5–6 digits without a dot are the code with its dot removed and maybe its
      leading zero lost: ``10000`` → ``01.0000``, ``513801`` → ``51.3801``
      (a trailing ``.0`` from a float export is ignored);
    * a float is read at 4 decimals (``51.38`` → ``51.3800``);
    * anything else — letters, more than 4 decimals, two dots (``51.3801.00``),
      3–4 digits without a dot — gives ``None``.

    >>> [normalize_cip(v) for v in ["01.0000", "1.0", 1, "51.38", "01.00", "10000", "513801"]]
    ['01.0000', '01.0000', '01.0000', '51.3800', '01.0000', '01.0000', '51.3801']
    >>> [normalize_cip(v) for v in ["51.3801.00", "51.38011", "51.38XX", "", None]]
    [None, None, None, None, None]
    """
    text = _code_text(value, "{:.4f}")
    if text is None:
        return None
    m = _CIP_DOTTED.match(text)
    if m:
        return f"{m.group(1).zfill(2)}.{(m.group(2) or '').ljust(4, '0')}"
    m = _CIP_DIGITS.match(text)
    if m:
        digits = m.group(1).zfill(6)
        return f"{digits[:2]}.{digits[2:]}"
    return None


def cip_series(cip: object) -> str | None:
    """The 4-digit CIP series ``NN.NN`` of a code (normalized first).

    >>> cip_series("51.3801"), cip_series("1.01"), cip_series("junk")
    ('51.38', '01.01', None)
    """
    code = normalize_cip(cip)
    return None if code is None else code[:5]


def cip_family(cip: object) -> str | None:
    """The 2-digit CIP family ``NN`` of a code (normalized first).

    >>> cip_family("51.3801"), cip_family(1.0)
    ('51', '01')
    """
    code = normalize_cip(cip)
    return None if code is None else code[:2]


def normalize_soc(value: object) -> str | None:
    """A SOC 2018 code as ``NN-NNNN``, or ``None``.

    Accepts ``15-1252``, ``151252``, ``15.1252``, O*NET-SOC ``15-1252.00`` /
    ``15-1252.01`` (the O*NET suffix is dropped) and surrounding spaces. A float
    such as ``11.101`` (Excel's ``11.1010``) gets its decimals right-padded to 4.

    >>> [normalize_soc(v) for v in ["15-1252", "151252", "15-1252.00", "15.1252", " 15-1252 ", 11.101]]
    ['15-1252', '15-1252', '15-1252', '15-1252', '15-1252', '11-1010']
    >>> [normalize_soc(v) for v in ["15-125", "15-1252-00", "SOC 15", None]]
    [None, None, None, None]
    """
    text = _code_text(value, "{:07.4f}")
    if text is None:
        return None
    m = _SOC.match(text)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    return None


def normalize_naics(value: object) -> str | None:
    """A NAICS code as published: 2–6 digits, or a BLS range ``31-33``, ``44-45``, ``48-49``.

    BLS aggregates that look like NAICS (``10`` total, ``101`` goods-producing,
    ``102`` service-providing, ``1011`` ...) are digit strings and kept. A trailing
    ``.0`` (float export) is removed; an en dash in a range becomes a hyphen.
    Letters, 1 or 7+ digits and other ranges give ``None``.

    >>> [normalize_naics(v) for v in ["311", 5413.0, "31–33", "10", "000000", "NAICS 311", "1", "31-34"]]
    ['311', '5413', '31-33', '10', '000000', None, None, None]
    """
    text = clean_text(value)
    if text is None:
        return None
    text = text.replace("\u2013", "-").replace("\u2014", "-")
    if text in _NAICS_RANGES:
        return text
    m = _INT_TEXT.match(text)
    if m and _NAICS.match(m.group(1)):
        return m.group(1)
    return None


def normalize_state_fips(value: object) -> str | None:
    """A state FIPS code ``SS`` from ``6``, ``"06"``, ``6.0`` or a postal code ``CA``; else ``None``.

    Only the 50 states, DC, Puerto Rico and the territories (AS 60, GU 66, MP 69,
    UM 74, VI 78) are accepted.

    >>> [normalize_state_fips(v) for v in [6, "06", 6.0, "ca", "PR", "03", "US", "06037"]]
    ['06', '06', '06', '06', '72', None, None, None]
    """
    text = clean_text(value)
    if text is None:
        return None
    m = _INT_TEXT.match(text)
    if m:
        digits = m.group(1)
        if len(digits) > 2:
            return None
        code = digits.zfill(2)
        return code if code in STATE_POSTAL else None
    return STATE_FIPS.get(text.upper())


def normalize_county_fips(value: object, state_fips: str | None = None) -> str | None:
    """A county FIPS code ``SSCCC``, or ``None`` when the value is not a county.

    ``6037``, ``6037.0``, ``'06037`` → ``06037``. The state part must be a known
    state FIPS code. Area codes that are not counties give ``None``: ``US000``,
    state totals ``SS000`` (e.g. ``50000``), BLS "unknown county" ``SS999``, MSA
    codes such as ``C1234``. With ``state_fips`` given, a 1–3 digit value is a
    county within that state (``37`` → ``06037``) and a code in another state gives
    ``None``.

    >>> [normalize_county_fips(v) for v in [6037, "06037.0", "'06037", "US000", "50000", "06999", "37"]]
    ['06037', '06037', '06037', None, None, None, None]
    >>> normalize_county_fips("37", state_fips="06"), normalize_county_fips("41051", state_fips="06")
    ('06037', None)
    """
    text = clean_text(value)
    if text is None:
        return None
    m = _INT_TEXT.match(text)
    if not m:
        return None
    digits = m.group(1)
    state = normalize_state_fips(state_fips) if state_fips is not None else None
    if state_fips is not None and state is None:
        return None
    if len(digits) <= 3:
        if state is None:
            return None
        code = state + digits.zfill(3)
    elif len(digits) <= 5:
        code = digits.zfill(5)
    else:
        return None
    if code[:2] not in STATE_POSTAL or code[2:] in ("000", "999"):
        return None
    if state is not None and code[:2] != state:
        return None
    return code


def _by_distinct(s: pd.Series, func: Callable[[object], str | None]) -> pd.Series:
    """Apply ``func`` once per distinct value of ``s`` and broadcast back as a ``string`` Series."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = pd.array([func(v) for v in uniques] + [None], dtype="string")
    # code -1 (missing) picks the trailing None
    return pd.Series(mapped.take(codes), index=s.index, name=s.name, dtype="string")


def normalize_cip_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_cip` on every cell; a ``string`` Series with ``<NA>`` where it failed.

    >>> normalize_cip_series(pd.Series(["1.0", "51.3801", "x"])).tolist()
    ['01.0000', '51.3801', <NA>]
    """
    return _by_distinct(s, normalize_cip)


def normalize_soc_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_soc` on every cell (``string`` Series, ``<NA>`` where it failed)."""
    return _by_distinct(s, normalize_soc)


def normalize_naics_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_naics` on every cell (``string`` Series, ``<NA>`` where it failed)."""
    return _by_distinct(s, normalize_naics)


def normalize_state_fips_series(s: pd.Series) -> pd.Series:
    """:func:`normalize_state_fips` on every cell (``string`` Series, ``<NA>`` where it failed)."""
    return _by_distinct(s, normalize_state_fips)


def normalize_county_fips_series(s: pd.Series, state_fips: str | pd.Series | None = None) -> pd.Series:
    """:func:`normalize_county_fips` on every cell; ``state_fips`` is one code or a Series per row.

    >>> normalize_county_fips_series(pd.Series(["37", "6037"]), state_fips="06").tolist()
    ['06037', '06037']
    >>> normalize_county_fips_series(pd.Series([37, 1]), pd.Series(["CA", "41"])).tolist()
    ['06037', '41001']
    """
    if not isinstance(state_fips, pd.Series):
        return _by_distinct(s, lambda v: normalize_county_fips(v, state_fips))
    states = normalize_state_fips_series(state_fips.set_axis(s.index))
    out = pd.Series(pd.NA, index=s.index, name=s.name, dtype="string")
    for state, idx in states.groupby(states, dropna=False).groups.items():
        st = None if pd.isna(state) else state
        if st is None:
            continue
        out.loc[idx] = _by_distinct(s.loc[idx], lambda v, st=st: normalize_county_fips(v, st))
    return out


_SERIES_FUNCS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "cip": normalize_cip_series,
    "soc": normalize_soc_series,
    "naics": normalize_naics_series,
    "county_fips": normalize_county_fips_series,
    "state_fips": normalize_state_fips_series,
}


def normalize(series: pd.Series, kind: str) -> pd.Series:
    """Normalize a Series of codes of one ``kind`` (one of :data:`KINDS`).

    >>> normalize(pd.Series(["151252", "x"]), "soc").tolist()
    ['15-1252', <NA>]
    """
    try:
        func = _SERIES_FUNCS[kind]
    except KeyError:
        raise ValueError(f"unknown code kind {kind!r}; expected one of {', '.join(KINDS)}") from None
    return func(series)


def slugify(text: object) -> str:
    """A slug ``[a-z0-9-]+`` for region ids and folder names; never empty, never ``..``.

    Accents are folded to ASCII, every other run of characters becomes one ``-``.
    Text with no ASCII letter or digit gets a stable ``x-`` + 8 hex digits slug;
    empty text gives ``unnamed``.

    >>> slugify("  Région Côte-Nord / WDA #3 "), slugify("../.."), slugify("")
    ('region-cote-nord-wda-3', 'x-626ac4c0', 'unnamed')
    """
    raw = "" if _is_missing(text) else str(text)
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if slug:
        return slug
    if not raw.strip():
        return "unnamed"
    return "x-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:8]
