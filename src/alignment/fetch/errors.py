"""The two errors of :mod:`alignment.fetch`: one file failed, or the network cannot be reached at all."""

from __future__ import annotations

__all__ = ["FetchError", "OfflineError"]


class FetchError(Exception):
    """A file could not be fetched or failed its check; the message says which and why."""


class OfflineError(FetchError):
    """The network (or the publisher's host) cannot be reached at all: the run stops early."""
