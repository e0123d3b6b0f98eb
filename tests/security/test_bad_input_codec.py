"""The declaration codec: any malformed declaration is INVALID_ARGUMENT naming fields, or valid."""

from __future__ import annotations

import pytest
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from malformed import EXAMPLES, declarations

from clearway.declarations.codec import read_declaration
from clearway.declarations.model import Declaration
from clearway.runtime.errors import InvalidArgument
from clearway.v1 import common_pb2


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(declarations())
def test_a_generated_declaration_is_read_or_refused_with_its_bad_fields(
    message: common_pb2.Declaration,
) -> None:
    try:
        read = read_declaration(message)
    except InvalidArgument as refused:
        assert refused.violations, "a refusal names at least one field"
        for violation in refused.violations:
            assert violation.field.startswith("declaration"), violation
            assert violation.description
    else:
        assert isinstance(read, Declaration)
        assert read.declaration_id == message.declaration_id


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    """The wire decoding step a server runs before our code: DecodeError or a message."""
    try:
        message = common_pb2.Declaration.FromString(data)
    except DecodeError:
        return
    try:
        read_declaration(message)
    except InvalidArgument as refused:
        assert refused.violations


@pytest.mark.parametrize(
    "field", ["incoterm", "transport_document.mode", "consignee.role", "seller.role"]
)
def test_unknown_enum_numbers_are_field_violations(field: str) -> None:
    message = json_format.Parse(EXAMPLES[0], common_pb2.Declaration())
    *parents, leaf = field.split(".")
    target: object = message
    for parent in parents:
        target = getattr(target, parent)
    setattr(target, leaf, 99)
    try:
        read_declaration(message)
    except InvalidArgument as refused:
        assert [v.field for v in refused.violations] == [f"declaration.{field}"]
    else:
        raise AssertionError("an unknown enum number was accepted")
