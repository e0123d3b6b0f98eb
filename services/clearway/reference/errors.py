"""Errors raised by the reference-data loaders.

A loader that meets a missing or malformed file fails loudly and names the file and the line or
record, because a service must never start serving on half-read tariffs or sanctions lists.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path


class ReferenceDataError(Exception):
    """Reference data is missing or malformed (names the file and, where known, line or record)."""

    def __init__(
        self,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        record: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.record = record
        self.message = message
        where = str(self.path)
        if line is not None:
            where += f":{line}"
        if record:
            where += f" [{record}]"
        super().__init__(f"{where}: {message}")


class RateUnavailable(ReferenceDataError):
    """No ECB reference rate for a currency on a date (nor in the 7 days before it)."""

    def __init__(self, currency: str, on: date, *, source: str | Path, detail: str) -> None:
        self.currency = currency
        self.on = on
        super().__init__(source, f"no reference rate for {currency} on {on.isoformat()}: {detail}")
