"""Personal data through vendor data files, end to end through `ccstd convert`: a dialect or
platform file whose unprotected field reads what a person field reads, or an element or key named
for a person's data (`dialect_files.PERSONAL_WORDS`), is refused at load time: file, line, key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.adapters.test_personal_data_screen import (
    DIALECT,
    MOBILE,
    TAOBAO,
    TRADE,
    dialect,
    log,
    run,
)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('code = "身份证号"', "fields.code"),
        ('door = "卡号"', "fields.door"),  # what a person field reads
        ('reader = "手机"', "fields.reader"),
        ('device_name = "姓名"', "fields.device_name"),
        ('code = "Person/@cardHolder"', "fields.code"),
        # whole names, pinyin, traditional forms (compared in simplified characters)
        ('device_name = "車主"', "fields.device_name"),
        ('device_name = "戶主"', "fields.device_name"),
        ('device_name = "业主名"', "fields.device_name"),
        ('device_name = "收货地"', "fields.device_name"),
        ('device_name = "owner"', "fields.device_name"),
        ('device_name = "guest"', "fields.device_name"),
        ('code = "sfz"', "fields.code"),
        ('code = "jtzz"', "fields.code"),
        ('code = "聯繫方式"', "fields.code"),
        ('code = "暱稱"', "fields.code"),
        ('code = "座機"', "fields.code"),
    ],
)
def test_a_dialect_writing_a_persons_data_unprotected_is_refused(
    tmp_path: Path, extra: str, key: str
) -> None:
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, extra))
    assert done["run"].exit_code == 2
    assert f"d.toml:{DIALECT.format(extra=extra).splitlines().index(extra) + 1}: {key}" in (
        done["run"].output
    )
    assert not (tmp_path / "out.ndjson").exists()


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('number = "tid"', 'number = "receiver_mobile"', "order.number"),
        ('merchant = ["seller_nick", {const = "(taobao seller)"}]', 'merchant = ["buyer_name"]',
         "order.merchant.0"),
        ('name = "title"', 'name = "^receiver_name"', "lines.0.name"),
        ('city = "receiver_city"', 'city = "receiver_address"', "recipient.city"),
    ],
)  # fmt: skip
def test_a_platform_writing_a_persons_data_unprotected_is_refused(
    tmp_path: Path, old: str, new: str, key: str
) -> None:
    text = TAOBAO.read_text("utf-8")
    assert old in text
    platform = tmp_path / "p.toml"
    platform.write_text(text.replace(old, new, 1), encoding="utf-8")
    orders = tmp_path / "o.ndjson"
    orders.write_text(json.dumps(TRADE, ensure_ascii=False) + "\n", encoding="utf-8")
    done = run(tmp_path, orders, platform)
    line = text.splitlines().index(old) + 1
    assert done["run"].exit_code == 2
    assert f"p.toml:{line}: {key}" in done["run"].output
    assert MOBILE not in done["written"]


@pytest.mark.parametrize(
    "element",
    ["持卡人姓名", "客户姓名", "业主名称", "人员名称", "联系人电话", "cardHolderName",
     "personnelName", "empName", "workerName", "memberName", "tenantName", "ContactPerson",
     "holder", "xm", "sfzh", "lxdh", "sjhm"],
)  # fmt: skip
def test_compound_and_pinyin_names_of_personal_fields_are_refused(
    tmp_path: Path, element: str
) -> None:
    extra = f'device_name = "{element}"'
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, extra))
    assert done["run"].exit_code == 2, element
    assert "fields.device_name" in done["run"].output


@pytest.mark.parametrize("element", ["设备名称", "IP地址", "deviceName", "doorName", "名称"])
def test_a_devices_own_names_are_not_taken_for_a_persons(element: str) -> None:
    from ccstd.adapters.dialect_files import personal_name

    assert not personal_name(element, generic=False)


SHOPIFY = TAOBAO.parent / "shopify.toml"


@pytest.mark.parametrize(
    "path",
    ["billing_address.name", "shipping_address.name", "customer.first_name", "buyer.nick",
     "billing_address.address1", "default_address.phone", "customer.name", "buyerInfo.name",
     "billing_address.line1", "收货地址.名称", "full_address", "delivery_addr"],
)  # fmt: skip
def test_a_persons_key_inside_an_address_or_customer_is_refused(tmp_path: Path, path: str) -> None:
    """`name`, a phone or a street line under an address, customer or buyer container is a
    person's: exit 2 with the file, line and key, nothing written."""
    old = 'merchant = {const = "(shopify store)"}'
    text = SHOPIFY.read_text("utf-8")
    platform = tmp_path / "p.toml"
    platform.write_text(text.replace(old, f'merchant = ["{path}"]'), encoding="utf-8")
    orders = tmp_path / "o.json"
    orders.write_text("[]", encoding="utf-8")
    done = run(tmp_path, orders, platform)
    assert done["run"].exit_code == 2, path
    assert f"p.toml:{text.splitlines().index(old) + 1}: order.merchant.0: " in done["run"].output
    assert not (tmp_path / "out.ndjson").exists()


@pytest.mark.parametrize(
    "extra", ['device_name = "BillingAddress/Name"', 'code = "Customer/@name"',
              'reader = "收货地址/名称"']
)  # fmt: skip
def test_a_dialect_reading_a_persons_key_inside_a_container_is_refused(
    tmp_path: Path, extra: str
) -> None:
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, extra))
    assert done["run"].exit_code == 2
    key = "fields." + extra.split(" ")[0]
    assert f"d.toml:{DIALECT.format(extra=extra).splitlines().index(extra) + 1}: {key}" in (
        done["run"].output
    )


@pytest.mark.parametrize(
    "path", ["IPAddress.name", "line_items.title", "shop.name", "store.name", "ipv6Address",
             "设备地址", "billing_address.city"]
)  # fmt: skip
def test_a_name_outside_a_persons_container_is_not_personal(path: str) -> None:
    from ccstd.adapters.dialect_files import personal_path

    assert not personal_path(path.split("."), generic=False)
