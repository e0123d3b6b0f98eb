"""Structured JSON logs with the current trace id, and no personal data.

Names, addresses and free text a caller sent are personal data: log records
never carry them. `redact` masks the values of keys that may hold them when a
record's `extra` fields are serialized, as a second line of defence.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

PERSONAL_KEYS = frozenset(
    {
        "name",
        "party_name",
        "address",
        "lines",
        "city",
        "postal_code",
        "email",
        "phone",
        "consignee",
        "seller",
        "declarant",
        "identifier",
        "vat_number",
        "matched_name",
    }
)
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


def redact(value: Any) -> Any:
    """Mask values under personal-data keys, recursively."""
    if isinstance(value, Mapping):
        return {
            key: "[redacted]" if key in PERSONAL_KEYS else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, trace/span ids, extra fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        extra = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRIBUTES}
        entry.update(redact(extra))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(service: str, level: str) -> None:
    """Send every log record of the process to stderr as JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
