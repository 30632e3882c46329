"""Data files are checked for meaning at load time, not only for shape: a constant or a mapped
code that lands in a standard field must fit that field's JSON Schema in the standard version the
adapter writes, a time zone must exist, `^` must mean something where it is written. Both
`ccstd adapters check` and `ccstd convert --dialect` refuse such a file with one line naming the
file, line and key (exit 2), instead of rejecting every item and blaming the data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccstd.cli.app import app
from tests.adapters.access_xml.test_dialect_files import GATES, LOG
from tests.adapters.orders.test_platform_files import BILLS
from tests.adapters.orders.test_tables import NEW_PLATFORM

RUNNER = CliRunner()
ENV = {"CCSTD_PSEUDONYM_KEY": "data-file-meaning-test-key-5a4b3c2d1e0f", "COLUMNS": "300"}
SHOPIFY = (Path(__file__).parents[2] / "adapters/orders/platforms/shopify.toml").read_text()


def refused(tmp_path: Path, text: str, data: str, name: str = "file.toml") -> list[str]:
    """The one-line error of `adapters check` and `convert --dialect`, which must agree."""
    file, source = tmp_path / name, tmp_path / "input"
    file.write_text(text, encoding="utf-8")
    source.write_text(data, encoding="utf-8")
    out = tmp_path / "out.ndjson"
    messages = []
    for args in (
        ["adapters", "check", str(file)],
        ["convert", str(source), "--dialect", str(file), "-o", str(out)],
    ):
        run = RUNNER.invoke(app, args, env=ENV)
        assert run.exit_code == 2, run.output
        assert not out.exists() and "Traceback" not in run.output
        [line] = run.stderr.strip().splitlines()
        assert line.startswith(f"ccstd: error: {file}:"), line
        assert not line.rstrip().endswith(":"), line  # says what is wrong and what is accepted
        messages.append(line.removeprefix(f"ccstd: error: {file}"))
    assert messages[0] == messages[1]
    return messages


PLATFORM_CASES = {
    "zone": (('timezone = "Asia/Tokyo"', 'timezone = "Mars/Base"'),
             ":9: timezone: not an IANA time zone: 'Mars/Base'"),
    "channel": (('channel = "other"', 'channel = "ebay"'),
                ":8: channel: 'ebay' is not a code of Order.channel in standard 1.1.0 (accepted: "),
    "status-code": (('["completed", "paid", "fulfilled"]', '["completed", "payed", "fulfilled"]'),
                    ":32: status.all.codes.done: 'payed' is not a code of Order.paymentStatus"),
    "status-shape": (('["completed", "paid", "fulfilled"]', '["completed", "paid"]'),
                     ":32: status.all.codes.done: ['completed', 'paid'] is not a list of 3"),
    "default": (('default = "done"', 'default = "finished"'),
                ":31: status.all.default: 'finished' is not one of the table's codes (done)"),
    "merchant": (('{const = "Corner shop"}', '{const = ""}'),
                 ":16: order.merchant.const: '' does not fit Order.merchant.name"),
    "currency": (('currency = "ccy"', 'currency = {const = "XAU"}'),
                 ":15: order.currency.const: 'XAU': order.currency.const is not an ISO 4217"),
    "quantity": (('quantity = "qty"', "quantity = {const = 0}"),
                 ":25: lines.0.quantity.const: 0 does not fit Order.lines[].quantity"),
    "money": (('total = "sum"', 'total = {const = "lots"}'),
              ':20: money.total.const: \'lots\': money.total.const is not a decimal number'),
    "root-in-order": (('placed_at = "at"', 'placed_at = "^at"'),
                      ":14: order.placed_at: '^at': `^` reads the order from inside a line"),
    "root-in-money": (('total = "sum"', 'total = {sum = ["^sum"]}'),
                      ":20: money.total.sum.0: '^sum': `^` reads the order"),
    "root-required": (('required = ["bill_no", "at", "sum"]', 'required = ["^bill_no"]'),
                      ":10: required.0: '^bill_no': `^` reads the order"),
    "product": (('total = {sum = ["qty * each"]}', 'total = {sum = ["qty * each * qty"]}'),
                ":27: lines.0.total.sum.0: 'qty * each * qty' is not valid here (accepted: A "),
    "walk": (('name = "label"', 'name = "parts[].label"'),
             ":24: lines.0.name: 'parts[].label': `x[]` is read only in the terms of {sum = "),
    "shape": (('merchant = {const = "Corner shop"}', "merchant = {foo = 1}"),
              ":16: order.merchant: {'foo': 1} is not valid here (accepted: a path, a list of "
              "them, {const = …}, {sum = …}, {join = …}, {prefix = …, value = …}, {digest = …}, "
              "{utc = …}, {epoch = …, unit = …}, {minor = …})"),
    "name": (('name = "orders-corner-shop"', 'name = "Corner Shop"'),
             ":4: name: 'Corner Shop' is not valid here (accepted: The adapter name used with "
             "--from, in provenance and in rejects files; text matching ^orders-[a-z0-9-]+$)"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PLATFORM_CASES))
def test_a_platform_file_with_a_value_the_standard_refuses_is_exit_2(
    tmp_path: Path, case: str
) -> None:
    change, expected = PLATFORM_CASES[case]
    assert change[0] in NEW_PLATFORM
    text = NEW_PLATFORM.replace(*change)
    [message, _] = refused(tmp_path, text, json.dumps(BILLS, ensure_ascii=False))
    assert message.startswith(expected), message


SHOPIFY_CASES = {
    "payment": ((' paid = "paid"', ' paid = "payed"'),
                ":47: status.payment.codes.paid: 'payed' is not a code of Order.paymentStatus"),
    "delivery": (('delivered = "delivered"', 'delivered = "dlivered"'),
                 ":73: deliveries.0.status.codes.delivered: 'dlivered' is not a code of "
                 "Delivery.status in standard 1.2.0 (accepted: created, "),
    "rule": (('status = "processing"', 'status = "procesing"'),
             ":61: status.rules.2.status: 'procesing' is not a code of Order.status"),
    "when": (('when = {paymentStatus = "paid"', 'when = {paymentStatus = "pid"'),
             ":58: status.rules.1.when.paymentStatus: 'pid' is not a code"),
    "last-rule": (('[[status.rules]]\nstatus = "processing"\n', ""),
                  ":57: status.rules.1: the last rule must have no condition"),
    "status-root": (('source = "financial_status"', 'source = "^financial_status"'),
                    ":45: status.payment.source: '^financial_status': `^` reads the order"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SHOPIFY_CASES))
def test_a_shopify_file_with_a_misspelt_code_is_exit_2(tmp_path: Path, case: str) -> None:
    change, expected = SHOPIFY_CASES[case]
    assert change[0] in SHOPIFY
    text = SHOPIFY.replace(*change, 1).replace('name = "orders-shopify"', 'name = "orders-mine"')
    [message, _] = refused(tmp_path, text, "[]")
    assert message.startswith(expected), message


DIALECT_CASES = {
    "zone": (('timezone = "Asia/Chongqing"', 'timezone = "Mars/Base"'),
             ":7: timezone: not an IANA time zone: 'Mars/Base'"),
    "method": (('C = "card"', 'C = "crad"'),
               ":16: values.method.C: 'crad' is not a code of AccessEvent.method in standard "
               "1.2.0 (accepted: card, "),
    "result": (('N = "denied"', 'N = "refused"'),
               ":21: values.result.N: 'refused' is not a code of AccessEvent.result"),
    "constant": (('device_name = "车库道闸"', 'device_name = "车库道闸"\nmethod = "swipe"'),
                 ":26: constants.method: 'swipe' is not a code of AccessEvent.method"),
    "kind": (('[site]', '[device]\nkind = "turnstile"\n\n[site]'),
             ":28: device.kind: 'turnstile' is not a code of Device.kind in standard 1.2.0"),
    "site": (('id = "comm-cq-7"', 'id = "comm cq 7"'),
             ":28: site.id: 'comm cq 7' is not valid here (accepted: text matching "),
    "division": (('id = "comm-cq-7"', 'id = "comm-cq-7"\nname = "x"\ndivision_code = "999999"'),
                 ":30: site.division_code: '999999' does not fit Community.divisionCode"),
    "machine-zone": (('timezone = "Asia/Chongqing"', 'timezone = "localtime"'),
                     ":7: timezone: 'localtime' is not a zone of a place"),
    "date-only": (('"%d.%m.%Y %H:%M"', '"%d.%m.%Y"'),
                  ":6: time_formats.0: '%d.%m.%Y' does not read a date and a time of day"),
    "twelve-hours": (('"%d.%m.%Y %H:%M"', '"%d.%m.%Y %I:%M"'),
                     ":6: time_formats.0: '%d.%m.%Y %I:%M' does not read a date and a time"),
    "time-format": (('"%d.%m.%Y %H:%M"', '"%d.%m.%Y %H:%M:%Q"'),
                    ":6: time_formats.0: '%d.%m.%Y %H:%M:%Q' is not a strptime format"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(DIALECT_CASES))
def test_a_dialect_with_a_value_the_standard_refuses_is_exit_2(tmp_path: Path, case: str) -> None:
    change, expected = DIALECT_CASES[case]
    assert change[0] in GATES
    [message, _] = refused(tmp_path, GATES.replace(*change, 1), LOG)
    assert message.startswith(expected), message


def test_a_lookup_code_is_checked_like_a_value_table(tmp_path: Path) -> None:
    text = GATES.replace('result = "@ok"\n', "").replace(
        '[values.result]\nY = "granted"\nN = "denied"\n',
        '[lookup]\nkey = "{result_code}"\nfields.result_code = "@ok"\n'
        'codes.Y = {result = "granted"}\ncodes.N = {result = "denied", reason = "no-entry"}\n',
    )
    [message, _] = refused(tmp_path, text, LOG)
    assert message.startswith(":22: lookup.codes.N.reason: 'no-entry' is not a code of "
                              "AccessEvent.denialReason"), message  # fmt: skip


def test_a_file_without_family_names_family(tmp_path: Path) -> None:
    for text in (GATES, NEW_PLATFORM):
        headless = text.replace('family = "access-xml"\n', "").replace('family = "orders"\n', "")
        without = headless.replace('record = "Swipe"\n', "")  # the first key the format needs
        [message, _] = refused(tmp_path, without, LOG)
        assert message == ':1: family: required key missing: the engine that reads the file, ' \
            'e.g. family = "access-xml"', message  # fmt: skip


def test_a_broken_file_in_the_dialect_path_is_listed_once(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken\n', encoding="utf-8")
    (tmp_path / "headless.toml").write_text('name = "headless"\n', encoding="utf-8")
    (tmp_path / "numbered.toml").write_text('family = 3\nname = "numbered"\n', encoding="utf-8")
    folders = [str(tmp_path), f"{tmp_path}/", str(tmp_path / "missing")]  # one named twice
    env = {**ENV, "CCSTD_DIALECT_PATH": ":".join(folders)}
    listed = RUNNER.invoke(app, ["adapters", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    rows = [row for row in listed.stdout.splitlines() if str(tmp_path) in row]
    for name in ("broken.toml", "headless.toml", "numbered.toml", "missing: not a folder"):
        assert sum(name in row.split("│")[3] for row in rows) == 1, (name, rows)
    assert "headless.toml:1: family: required key missing" in listed.stdout
    assert "numbered.toml:1: family: 3 is not a family name" in listed.stdout


def test_extends_names_the_dialects_it_could_extend(tmp_path: Path) -> None:
    text = GATES.replace('record = "Swipe"', 'extends = "xml-legacy-acesslog"')
    [message, _] = refused(tmp_path, text, LOG)
    assert message == (":4: extends: xml-legacy-acesslog: no such dialect (known: xml-acs-v2, "
                       "xml-hikvision-isapi, xml-legacy-accesslog)"), message  # fmt: skip


def test_a_file_saved_with_a_bom_and_crlf_is_read_and_its_lines_named(tmp_path: Path) -> None:
    windows = "\ufeff" + GATES.replace("\n", "\r\n")
    file = tmp_path / "gates.toml"
    file.write_text(windows, encoding="utf-8", newline="")
    checked = RUNNER.invoke(app, ["adapters", "check", str(file)], env=ENV)
    assert checked.exit_code == 0, checked.output
    [message, _] = refused(tmp_path, windows.replace('C = "card"', 'C = "crad"'), LOG)
    assert message.startswith(":16: values.method.C: 'crad' is not a code"), message
