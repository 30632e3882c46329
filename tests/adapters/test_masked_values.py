"""A value counts as masked only when it really hides what it masks, end to end through
`ccstd convert`: a value with an asterisk that still holds a whole number or address, or keeps
more clear digits than a mask does, is pseudonymised; `138****5678` stays masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app

RUNNER = CliRunner()
KEY = {"CCSTD_PSEUDONYM_KEY": "masked-values-test-key-9f8e7d6c5b4a", "COLUMNS": "300"}
ORDER = {
    "id": 5100000, "name": "#1000", "order_number": 1000,
    "created_at": "2024-04-01T08:00:00-04:00", "currency": "USD", "financial_status": "paid",
    "fulfillment_status": "fulfilled", "taxes_included": False,
    "total_line_items_price": "10.00", "subtotal_price": "10.00", "total_discounts": "0.00",
    "total_tax": "0.00", "total_price": "10.00",
    "line_items": [{"sku": "A", "name": "a", "title": "a", "quantity": 1, "price": "10.00",
                    "total_discount": "0.00"}],
    "shipping_lines": [], "shipping_address": {"name": "Customer 0", "phone": "",
    "address1": "0 Market St", "city": "San Francisco", "zip": "94103", "country_code": "US"},
}  # fmt: skip


def convert(tmp_path: Path, phone: str) -> dict:  # type: ignore[type-arg]
    order = json.loads(json.dumps(ORDER))
    order["shipping_address"]["phone"] = phone
    data, out = tmp_path / "shopify.json", tmp_path / "out.ndjson"
    data.write_text(json.dumps({"orders": [order]}), encoding="utf-8")
    result = RUNNER.invoke(
        app, ["convert", str(data), "--from", "orders-shopify", "-o", str(out)], env=KEY
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return next(r for r in records if r["type"] == "Order")


@pytest.mark.parametrize(
    "phone",
    [
        "110101199003074514*",  # a whole ID number and a star
        "13812345678*",  # a whole mobile number
        "138*1234*5678",  # `*` groups the digits
        "zhangsan@qq.com*",  # an e-mail address
        "1*3*8*1*2*3*4*5*6*7*8",  # eleven clear digits: no mask keeps that many
        "138拐拐拐拐5678*",  # 拐 is 7 spoken on the phone: 13877775678
        "¹³⁸¹²³⁴⁵⁶⁷⁸*",  # superscript digits are digits
    ],
)
def test_a_value_that_hides_nothing_is_pseudonymised(tmp_path: Path, phone: str) -> None:
    order = convert(tmp_path, phone)
    assert order["recipientPhone"]["protection"] == "pseudonymised"
    assert phone not in json.dumps(order, ensure_ascii=False)


@pytest.mark.parametrize("phone", ["138****5678", "***5678", "李*"])
def test_a_real_mask_stays_masked(tmp_path: Path, phone: str) -> None:
    order = convert(tmp_path, phone)
    assert order["recipientPhone"] == {"protection": "masked", "value": phone}
