"""Time stamps in a run's outputs: one place decides, so identical runs give identical files.

The time a run was made is recorded once, in ``manifest.json`` (``created_utc``). No other output
carries the wall-clock time: the PDF printer's creation and modification dates are removed, and the
GeoPackage, whose format requires a ``last_change`` date per layer, gets a fixed one. Set the
``SOURCE_DATE_EPOCH`` environment variable (seconds since 1970, the reproducible-builds convention)
to stamp all of them, the manifest included, with that time instead: then a rerun is byte-identical
throughout.

>>> info = b"<</Producer (Skia)/CreationDate (D:20261205130841+00'00')>>"
>>> out = strip_pdf_dates(info)
>>> b"D:2026" in out, len(out) == len(info)
(False, True)
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

#: the date given where a format requires one and SOURCE_DATE_EPOCH is not set (as in ZIP archives)
FIXED_DATE = datetime(1980, 1, 1, tzinfo=UTC)
_PDF_DATE = re.compile(rb"/(?:CreationDate|ModDate)\s*\(D:[0-9Z+\-' ]{0,30}\)")


def source_date_epoch() -> datetime | None:
    """The time in ``SOURCE_DATE_EPOCH``, or None when it is unset or not a whole number of seconds."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value.isdigit():
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def run_time() -> datetime:
    """When the run was made, for the manifest: ``SOURCE_DATE_EPOCH`` when set, else now."""
    return source_date_epoch() or datetime.now(UTC)


def output_time() -> datetime:
    """The date written where a file format requires one: ``SOURCE_DATE_EPOCH`` or :data:`FIXED_DATE`."""
    return source_date_epoch() or FIXED_DATE


def gdal_date() -> str:
    """:func:`output_time` as GDAL's ``OGR_CURRENT_DATE`` wants it (GeoPackage ``last_change``)."""
    return output_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")


def strip_pdf_dates(data: bytes) -> bytes:
    """A PDF without its creation and modification dates, or with ``SOURCE_DATE_EPOCH``'s when set.

    Each date entry of the document information dictionary is overwritten in place by blanks (or by
    the same-length fixed date), so every byte offset, and with it the cross-reference table, stays valid.
    """
    fixed = source_date_epoch()

    def replace(m: re.Match[bytes]) -> bytes:
        text = m.group(0)
        if fixed is not None:
            key = text[: text.index(b"(")]
            new = key + fixed.strftime("(D:%Y%m%d%H%M%S+00'00')").encode("ascii")
            if len(new) <= len(text):
                return new + b" " * (len(text) - len(new))
        return b" " * len(text)

    return _PDF_DATE.sub(replace, data)
