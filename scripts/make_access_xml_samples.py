"""Write examples/vendors/access-xml/: seeded access logs in the three built-in dialects, with
deliberate problems (an unknown event code, a broken time, a missing device). Rerun only to change
the samples on purpose."""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path("examples/vendors/access-xml")
RNG = random.Random(11)
HIK_CODES = [
    (5, 1),
    (5, 1),
    (5, 1),
    (5, 75),
    (5, 75),
    (5, 75),
    (5, 9),
    (5, 76),
    (5, 8),
    (5, 38),
    (5, 156),
    (3, 1024),
]


def hikvision(count: int) -> str:
    docs = []
    for n in range(count):
        major, minor = RNG.choice(HIK_CODES)
        if n == 17:
            major, minor = 5, 999  # a code the dialect does not know
        if n == 40:
            major, minor = 1, 1024  # an alarm, not a pass
        card = f"<cardNo>{RNG.randrange(10**9):010d}</cardNo>" if minor in (1, 9, 8) else ""
        status = RNG.choice(["checkIn", "checkOut", "undefined"])
        stamp = f"2024-05-01T{6 + n // 40:02d}:{n % 60:02d}:{RNG.randrange(60):02d}+08:00"
        docs.append(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<EventNotificationAlert version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">\n'
            f"<ipAddress>192.168.1.{10 + n % 3}</ipAddress>\n<portNo>80</portNo>\n<protocol>HTTP</protocol>\n"
            f"<macAddress>44:19:b6:0a:{n % 3:02x}:3c</macAddress>\n<channelID>1</channelID>\n"
            f"<dateTime>{stamp}</dateTime>\n<activePostCount>1</activePostCount>\n"
            "<eventType>AccessControllerEvent</eventType>\n<eventState>active</eventState>\n"
            "<eventDescription>Access Controller Event</eventDescription>\n"
            f"<AccessControllerEvent>\n<deviceName>北门闸机</deviceName>\n<majorEventType>{major}</majorEventType>\n"
            f"<subEventType>{minor}</subEventType>\n{card}<cardReaderNo>1</cardReaderNo>\n<doorNo>1</doorNo>\n"
            f"<employeeNoString>E{RNG.randrange(1, 400):04d}</employeeNoString>\n<serialNo>{1000 + n}</serialNo>\n"
            f"<attendanceStatus>{status}</attendanceStatus>\n</AccessControllerEvent>\n</EventNotificationAlert>\n"
        )
    return "".join(docs)


def legacy(count: int) -> str:
    rows = [
        '<?xml version="1.0" encoding="GB2312"?>',
        '<AccessLog site="联洋花园" exported="2024-05-02 01:00:00">',
    ]
    for n in range(count):
        result = RNG.choice(["OK", "OK", "OK", "OK", "E01", "E02", "E03"])
        method = RNG.choice(["CARD", "CARD", "FACE", "QR", "GUEST"])
        when = f"2024-05-01 {7 + n // 60:02d}:{n % 60:02d}:{RNG.randrange(60):02d}"
        if n == 23:
            when = "2024-05-01 25:61:00"  # an impossible time
        controller = "" if n == 31 else f' controller="LY-{1 + n % 2}"'
        rows.append(
            f'  <Event id="{n + 1}" time="{when}"{controller} door="{1 + n % 2}" reader="1">'
            f'<Card>{RNG.randrange(10**8):08d}</Card><Person code="P{RNG.randrange(1, 300):03d}" name="住户"/>'
            f'<Result code="{result}"/><Method>{method}</Method><Direction>{RNG.choice(["进", "出", "IN", "OUT"])}</Direction>'
            "</Event>"
        )
    rows.append("</AccessLog>\n")
    return "\n".join(rows)


def acs_v2(count: int) -> str:
    rows = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<acs:Passes xmlns:acs="urn:acs:2.0" site="comm-xicheng-001">',
    ]
    for n in range(count):
        err = RNG.choice(["0", "0", "0", "0", "101", "102", "103", "104"])
        via = (
            RNG.choice(["1", "2", "2", "3", "6"]) if n != 12 else "9"
        )  # 9: a method the dialect does not know
        temp = f' temp="36.{RNG.randrange(10)}"' if via == "2" else ""
        rows.append(
            f'  <acs:Pass seq="{n}" ts="2024-05-01T{8 + n // 60:02d}:{n % 60:02d}:00+08:00" dev="XC-N{1 + n % 4}" '
            f'door="{1 + n % 4}" dir="{n % 2}" via="{via}" err="{err}" card="{RNG.randrange(10**8):08d}" uid="U{n:05d}"{temp}/>'
        )
    rows.append("</acs:Passes>\n")
    return "\n".join(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "hikvision-alerts.xml").write_text(hikvision(300), encoding="utf-8")
    (OUT / "legacy-accesslog.xml").write_bytes(legacy(300).encode("gb2312"))
    (OUT / "acs-v2-passes.xml").write_text(acs_v2(300), encoding="utf-8")


if __name__ == "__main__":
    main()
