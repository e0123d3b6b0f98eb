"""The shared runtime: settings from the environment, rich errors, redacted JSON logs."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2

from clearway.runtime.errors import FieldViolations, InvalidArgument
from clearway.runtime.logs import JsonFormatter, redact
from clearway.runtime.settings import Settings, SettingsError


def test_settings_defaults_and_overrides() -> None:
    default = Settings.from_env({})
    assert default.address("clearance") == "127.0.0.1:50050"
    assert default.database_url.startswith("sqlite:///")
    custom = Settings.from_env(
        {
            "CLEARWAY_RISK_PORT": "6000",
            "CLEARWAY_RISK_TARGET": "dns:///risk.clearway:50053",
            "CLEARWAY_DB": "postgresql://db/clearway",
            "CLEARWAY_DATA_DIR": "/data",
        }
    )
    assert custom.ports["risk"] == 6000
    assert custom.targets["risk"] == "dns:///risk.clearway:50053"
    assert custom.database_url == "postgresql://db/clearway"
    assert custom.data_dir == Path("/data")
    assert Settings.from_env({"CLEARWAY_PIPELINE_DEPTH": "5"}).pipeline_depth == 5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLEARWAY_MAX_WORKERS", "0"),
        ("CLEARWAY_RISK_PORT", "http"),
        ("CLEARWAY_GRACE_SECONDS", "x"),
        ("CLEARWAY_PIPELINE_DEPTH", "0"),
    ],
)
def test_bad_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_violations_become_one_status_with_every_field() -> None:
    violations = FieldViolations()
    violations.add("declaration.items[0].quantity", "must be at least 1")
    violations.add("declaration.destination_country", "is required")
    error = violations.error()
    assert isinstance(error, InvalidArgument)
    status = error.to_status()
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(bad)
    assert (info.domain, info.reason) == ("clearway.dev", "INVALID_ARGUMENT")
    assert [v.field for v in bad.field_violations] == [
        "declaration.items[0].quantity",
        "declaration.destination_country",
    ]


def test_logs_are_json_without_personal_data() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("risk"))
    logger = logging.getLogger("clearway.test.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.warning(
        "screened",
        extra={
            "party_name": "Jane Doe",
            "declaration_id": "D1",
            "parties": [{"name": "John Roe", "country": "DE"}],
        },
    )
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "screened" and entry["service"] == "risk"
    assert entry["declaration_id"] == "D1"
    assert "Jane Doe" not in stream.getvalue() and "John Roe" not in stream.getvalue()
    assert entry["parties"] == [{"name": "[redacted]", "country": "DE"}]
    assert redact({"address": {"city": "X"}}) == {"address": "[redacted]"}


def test_a_huge_bad_request_still_fits_in_grpc_trailers() -> None:
    violations = FieldViolations()
    for index in range(999):
        violations.add(f"declaration.items[{index}].description", "is required " + "x" * 300)
    status = violations.error().to_status()
    assert len(status.SerializeToString()) < 4500, "base64 of this must fit 8 KiB trailers"
    info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
    assert status.details[0].Unpack(info) and status.details[1].Unpack(bad)
    assert info.metadata["violations_total"] == "999"
    assert int(info.metadata["violations_listed"]) == len(bad.field_violations) >= 10
    assert bad.field_violations[0].field == "declaration.items[0].description"
