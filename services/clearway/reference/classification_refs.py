"""Labelled references for classification: trade terms and real parcel descriptions with codes.

They are the training and evaluation material of the classification model: each reference is a
text, the commodity code it was labelled with, and its HS-6.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from clearway.reference._io import csv_records, decode, read_bytes
from clearway.reference.errors import ReferenceDataError

SEARCH_REFERENCES_FILE = Path("classification_refs") / "uk-search-references.json"
PARCEL_REFERENCES_FILE = Path("classification_refs") / "uk-parcel-references-train.csv"
SEARCH_SOURCE = "uk-search-references"
PARCEL_SOURCE = "uk-parcel-references"
_PARCEL_HEADER = ("Goods Description", "Commodity Code")


@dataclass(frozen=True, slots=True)
class Reference:
    """A text labelled with a commodity code (8 or 10 digits) and its HS-6 subheading."""

    text: str
    code: str
    hs6: str
    source: str


def load_search_references(data_dir: Path) -> tuple[Reference, ...]:
    """Load uk-search-references.json: an object of trade term -> 10-digit commodity code."""
    path = data_dir / SEARCH_REFERENCES_FILE
    try:
        document = json.loads(decode(path, read_bytes(path)))
    except json.JSONDecodeError as exc:
        raise ReferenceDataError(path, f"malformed JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(document, dict):
        raise ReferenceDataError(path, "expected an object of term -> commodity code")
    references = []
    for term, code in document.items():
        if not isinstance(code, str) or len(code) != 10 or not code.isdigit():
            raise ReferenceDataError(path, f"code {code!r} is not 10 digits", record=term)
        text = " ".join(term.split())
        if not text:
            raise ReferenceDataError(path, "empty term", record=code)
        references.append(Reference(text, code, code[:6], SEARCH_SOURCE))
    return tuple(references)


def load_parcel_references(data_dir: Path, *, strict: bool = False) -> tuple[Reference, ...]:
    """Load uk-parcel-references-train.csv (goods description, 8/10-digit code).

    A few rows of the real file carry text where the code should be (an unquoted comma in the
    description); they have no label, so they are skipped, or raise when `strict`.
    """
    path = data_dir / PARCEL_REFERENCES_FILE
    records = csv_records(path, decode(path, read_bytes(path)))
    first = next(records, None)
    if first is None or tuple(c.strip() for c in first[1]) != _PARCEL_HEADER:
        raise ReferenceDataError(path, f"header must be {', '.join(_PARCEL_HEADER)}", line=1)
    references = []
    for line, row in records:
        if len(row) != 2:
            raise ReferenceDataError(path, f"expected 2 fields, found {len(row)}", line=line)
        text, code = " ".join(row[0].split()), row[1].strip()
        if not text:
            raise ReferenceDataError(path, "empty goods description", line=line)
        if len(code) not in (8, 10) or not code.isdigit():
            if strict or code.isdigit():
                raise ReferenceDataError(path, f"code {code!r} is not 8 or 10 digits", line=line)
            continue
        references.append(Reference(text, code, code[:6], PARCEL_SOURCE))
    return tuple(references)
