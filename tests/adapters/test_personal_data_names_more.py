"""More names of a person's data, end to end through `ccstd convert`: card and employee numbers,
phones and street addresses by rule, and the addresses of a site, a business or a network that
are not a person's (docs/dialects.md, "A person's data is never written unprotected")."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.test_personal_data_screen import DIALECT, dialect, log, run

LEAKS = {
    "standalone": """family = "access-xml"
name = "leak-one"
description = "a card number into vendorEventCode"
record = "EventNotificationAlert"
markers = ["<EventNotificationAlert"]
time_formats = ["iso"]
device_prefix = "lk-"
[fields]
time = "dateTime"
device = "macAddress"
code = "AccessControllerEvent/cardNo"
[lookup]
key = "{major}/{minor}"
[lookup.fields]
major = "AccessControllerEvent/majorEventType"
minor = "AccessControllerEvent/subEventType"
[lookup.codes]
"5/75" = { result = "granted", method = "face" }
""",
    "extends": """family = "access-xml"
name = "leak-two"
description = "an employee number into vendorEventCode"
extends = "xml-hikvision-isapi"
[fields]
code = "AccessControllerEvent/employeeNoString"
""",
    "moved": """family = "access-xml"
name = "leak-three"
description = "person and card moved elsewhere, then their elements written as read"
extends = "xml-hikvision-isapi"
[fields]
person = "AccessControllerEvent/verifyNo"
card = "AccessControllerEvent/serialNo"
code = "AccessControllerEvent/employeeNoString"
""",
}


@pytest.mark.parametrize("leak", sorted(LEAKS))
def test_a_card_or_employee_number_written_unprotected_is_refused(
    tmp_path: Path, leak: str
) -> None:
    path = tmp_path / "leak.toml"
    path.write_text(LEAKS[leak], encoding="utf-8")
    lines = LEAKS[leak].splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("code"))
    done = run(tmp_path, log(tmp_path), path)
    assert done["run"].exit_code == 2, done["run"].output
    assert f"leak.toml:{line}: fields.code" in done["run"].output
    assert not (tmp_path / "out.ndjson").exists()


PERSONAL = [
    # card and employee numbers
    "cardNo", "cardNumber", "卡号", "门禁卡号", "employeeNo", "employeeNoString", "empNo",
    "员工编号", "人员编号", "staffNo", "personId",
    # street addresses
    "recipient_address_detail", "addressDetail", "地址详情", "收货地址详情", "门牌号", "房号",
    # phones
    "backup_recipient_phone", "consigneePhones", "homePhone", "cellPhoneNumber", "phoneNum",
    "phone1", "座机", "固话", "shipToPhone", "ShipToName",
    # other direct identifiers
    "邮箱", "昵称", "微信号", "QQ", "birthday", "出生日期", "passportNo", "护照号", "车牌号",
    "licensePlate", "emergencyContact", "紧急联系人", "driverName", "accountName", "operatorName",
    "操作员", "linkman", "lxr", "buyer_alipay_no",
    # decided: a customer's address, and 手机开门 (its element may as well hold the phone)
    "clientAddress", "手机开门",
    # traditional characters
    "電話", "手機號碼", "身份證號", "卡號",
]  # fmt: skip


@pytest.mark.parametrize("element", PERSONAL)
def test_more_names_of_a_persons_data_are_refused(tmp_path: Path, element: str) -> None:
    extra = f'reader = "{element}"'
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, extra))
    assert done["run"].exit_code == 2, element
    line = DIALECT.format(extra=extra).splitlines().index(extra) + 1
    assert f"d.toml:{line}: fields.reader" in done["run"].output


NOT_PERSONAL = [
    "DeviceIPAddress", "设备IP地址", "门店地址", "localIPAddress", "wanIpAddress",
    "deviceMacAddress", "身份证阅读器编号", "store_address", "shopAddress", "店铺地址", "小区地址",
    "communityAddress", "merchantAddress", "sellerAddress", "returnAddress", "warehouse_address",
    "cardReaderNo", "hotelName",
]  # fmt: skip


@pytest.mark.parametrize("element", NOT_PERSONAL)
def test_a_sites_a_businesss_or_a_networks_address_is_not_refused(
    tmp_path: Path, element: str
) -> None:
    done = run(tmp_path, log(tmp_path), dialect(tmp_path, f'reader = "{element}"'))
    assert done["run"].exit_code == 0, done["run"].output
    assert (tmp_path / "out.ndjson").exists()


@pytest.mark.parametrize(
    "path", ["shipping_address.latitude", "shipping_address.longitude", "收货地址.纬度"]
)
def test_a_persons_coordinates_are_refused(path: str) -> None:
    from ccstd.adapters.dialect_files import personal_path

    assert personal_path(path.split("."), generic=False)
    assert not personal_path(["store_address", path.split(".")[1]], generic=False)
