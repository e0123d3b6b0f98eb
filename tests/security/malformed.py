"""Hypothesis strategies for declarations a careless or hostile partner might send.

A valid example declaration is mutated by a few random edits: junk or oversize text,
unknown countries and currencies, impossible dates, negative, huge or sign-mixed money,
bad decimals, unknown enum numbers, items added or removed. Some edits keep it valid,
so the strategies also produce declarations that must be decided.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from google.protobuf import json_format
from hypothesis import strategies as st

from clearway.v1 import common_pb2

MANIFEST = Path(__file__).resolve().parents[2] / "examples" / "manifest.jsonl"
EXAMPLES = tuple(line for line in MANIFEST.read_text().splitlines() if line.strip())

Edit = Callable[[common_pb2.Declaration], None]

INT32 = st.integers(-(2**31), 2**31 - 1)
INT64 = st.integers(-(2**63), 2**63 - 1)
UINT32 = st.integers(0, 2**32 - 1)
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12),
    st.sampled_from(["", " ", "\x00", "DE", "EUR", "XX", "eur", "Ω", "🇩🇪", "090210", "9" * 12]),
    st.integers(1, 20_000).map(lambda n: "x" * n),
)
countries = st.one_of(st.sampled_from(["DE", "FR", "US", "GB", "CN", "JP", "XX", "de", ""]), texts)
currencies = st.one_of(st.sampled_from(["EUR", "USD", "GBP", "CNY", "XXX", "EURO", ""]), texts)
decimals = st.one_of(
    st.sampled_from(["0", "-1", "0.25", "1e400", "NaN", "Infinity", "1,5", "", "0x10"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    texts,
)


def _money(message_field: Callable[[common_pb2.Declaration], object]) -> st.SearchStrategy[Edit]:
    def edit(currency: str, units: int, nanos: int) -> Edit:
        def apply(declaration: common_pb2.Declaration) -> None:
            money = message_field(declaration)
            if money is None:
                return
            money.currency_code = currency  # type: ignore[attr-defined]
            money.units = units  # type: ignore[attr-defined]
            money.nanos = nanos  # type: ignore[attr-defined]

        return apply

    return st.builds(edit, currencies, INT64, INT32)


def _item(declaration: common_pb2.Declaration) -> common_pb2.DeclarationItem | None:
    return declaration.items[0] if declaration.items else None


def _set(path: str, values: st.SearchStrategy[object]) -> st.SearchStrategy[Edit]:
    """Set a dotted field (first item for `items.`) to a drawn value."""
    *parents, leaf = path.split(".")

    def edit(value: object) -> Edit:
        def apply(declaration: common_pb2.Declaration) -> None:
            target: object = declaration
            for parent in parents:
                if parent == "items":
                    target = _item(declaration)
                    if target is None:
                        return
                else:
                    target = getattr(target, parent)
            setattr(target, leaf, value)

        return apply

    return values.map(edit)


def _date(path: str) -> st.SearchStrategy[Edit]:
    def edit(year: int, month: int, day: int) -> Edit:
        def apply(declaration: common_pb2.Declaration) -> None:
            date = getattr(declaration, path)
            date.year, date.month, date.day = year, month, day

        return apply

    return st.builds(edit, INT32, st.integers(-2, 14), st.integers(-2, 40))


def _items(count: int) -> Edit:
    def apply(declaration: common_pb2.Declaration) -> None:
        if count == 0:
            del declaration.items[:]
        else:
            template = declaration.items[0] if declaration.items else common_pb2.DeclarationItem()
            for number in range(count):
                added = declaration.items.add()
                added.CopyFrom(template)
                added.line_number = len(declaration.items) + number

    return apply


def _clear(field: str) -> Edit:
    def apply(declaration: common_pb2.Declaration) -> None:
        declaration.ClearField(field)  # type: ignore[arg-type]

    return apply


edits: st.SearchStrategy[Edit] = st.one_of(
    _set("declaration_id", texts),
    _date("declaration_date"),
    _set("destination_country", countries),
    _set("dispatch_country", countries),
    _set("consignee.name", texts),
    _set("consignee.identifier", texts),
    _set("consignee.address.city", texts),
    _set("consignee.address.country_code", countries),
    _set("seller.name", texts),
    _set("ioss_number", texts),
    # Known enum numbers and unknown ones (proto3 enums are open on the wire).
    _set("incoterm", st.sampled_from(common_pb2.Incoterm.values()) | st.integers(-5, 99)),
    _set(
        "transport_document.mode",
        st.sampled_from(common_pb2.TransportMode.values()) | st.integers(-5, 99),
    ),
    _set("consignee.role", st.sampled_from(common_pb2.PartyRole.values()) | st.integers(-5, 99)),
    _set("items.description", texts),
    _set("items.declared_hs_code", texts),
    _set("items.quantity", UINT32),
    _set("items.line_number", UINT32),
    _set("items.origin_country", countries),
    _set("items.preference_claimed", st.booleans()),
    _set("items.net_mass_kg.value", decimals),
    _set("items.gross_mass_kg.value", decimals),
    _money(_item_value := lambda d: d.items[0].intrinsic_value if d.items else None),
    _money(lambda d: d.freight),
    _money(lambda d: d.insurance),
    st.sampled_from([_clear(f) for f in ("declaration_date", "consignee", "seller", "freight")]),
    st.integers(0, 3).map(_items),
)


@st.composite
def declarations(draw: st.DrawFn) -> common_pb2.Declaration:
    """An example declaration with 0 to 4 random edits (0 edits: a valid one)."""
    declaration = json_format.Parse(draw(st.sampled_from(EXAMPLES)), common_pb2.Declaration())
    for edit in draw(st.lists(edits, max_size=4)):
        edit(declaration)
    return declaration
