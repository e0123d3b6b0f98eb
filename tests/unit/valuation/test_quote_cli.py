"""`clearway quote`: one JSON answer per JSONL declaration, errors per line, never a crash."""

from __future__ import annotations

import json

from clearway.valuation.domain import Valuation
from clearway.valuation.quote import quote_lines

GOOD = json.dumps(
    {
        "declarationId": "Q-1",
        "declarationDate": {"year": 2025, "month": 3, "day": 3},
        "destinationCountry": "GB",
        "dispatchCountry": "CN",
        "items": [
            {
                "lineNumber": 1,
                "description": "cotton t-shirt",
                "declaredHsCode": "610910",
                "quantity": 1,
                "intrinsicValue": {"currencyCode": "GBP", "units": "20"},
            }
        ],
        "freight": {"currencyCode": "GBP", "units": "5"},
    }
)


def test_each_line_gets_its_answer(valuation: Valuation) -> None:
    bad_field = GOOD.replace('"GBP", "units": "20"', '"GBX", "units": "20"')
    answers = [json.loads(a) for a in quote_lines(valuation, [GOOD, "", "{not json", bad_field])]
    assert answers[0]["regime"] == "UK_LOW_VALUE"
    assert answers[0]["totalCollectedAtSale"] == {"currencyCode": "GBP", "units": "5"}
    assert answers[1]["line"] == 3 and answers[1]["error"]["reason"] == "INVALID_JSON"
    assert answers[2]["line"] == 4
    assert answers[2]["error"]["fieldViolations"][0]["field"] == (
        "declaration.items[0].intrinsic_value.currency_code"
    )
