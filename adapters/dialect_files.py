"""Data-file adapters: where their files come from, and each file checked before use.

A family of formats that differ only in field names (XML access-log dialects) is one engine and
many TOML files. Every file reaches the engine the same way, wherever it comes from:

1. a file named on the command line (`ccstd convert --dialect FILE`);
2. the folders named in `$CCSTD_DIALECT_PATH` (separated like `$PATH`);
3. folders that installed distributions point at through the data-only entry-point group
   `ccstd.dialects` (`name = "package_name"` or `"package_name/sub/folder"`: the folder is
   found without importing the package);
4. the built-in folder of the family.

Each file declares its `family` and is checked against that family's JSON Schema; a problem is a
DataFileError naming the file, the line and the key, never a silent "unknown" later.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import Distribution, entry_points
from pathlib import Path
from typing import Any

import jsonschema_rs

from ccstd.standard.files import read_regular

PATH_ENV = "CCSTD_DIALECT_PATH"
GROUP = "ccstd.dialects"
MAX_FILE_BYTES = 1 << 20  # a dialect is a page of TOML, not a data set
DEFAULT_FAMILY = "access-xml"  # checks (and lists) files that cannot say which family they are


class DataFileError(ValueError):
    """A data file that cannot be used: `file:line: key: what is wrong`."""


@dataclass(frozen=True)
class DataFile:
    """One data file found, parsed and checked (`spec`), or why it cannot be used (`error`)."""

    path: Path
    origin: str  # "built-in", "$CCSTD_DIALECT_PATH", "plugin DIST", "--dialect"
    spec: dict[str, Any] | None
    error: str | None
    data: bytes = b""
    name: str | None = None  # what the file calls itself, even when it cannot be used


def read_toml(path: Path) -> tuple[dict[str, Any], bytes]:
    """A TOML file's table and bytes; a DataFileError names the file and line otherwise."""
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise DataFileError(
            f"{path}: cannot read: {exc.strerror or exc or 'an OS error'}"
        ) from None
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a BOM, as Windows editors write
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataFileError(f"{path}:{line}: not UTF-8 (TOML files are UTF-8)") from None
    try:
        return tomllib.loads(text), data
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        at = found.group(1) if found else "1"
        message = re.sub(r"\s*\(at line.*\)$", "", str(exc))
        raise DataFileError(f"{path}:{at}: not valid TOML: {message}") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise DataFileError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise DataFileError(f"{path}: not valid TOML: nested too deeply") from None


def check(spec: dict[str, Any], schema: dict[str, Any], path: Path, text: str) -> None:
    """Raise DataFileError for the most relevant schema error, with file, line and key. Valid
    files are confirmed by jsonschema-rs (quick, already loaded); python-jsonschema, which picks
    the most relevant error, is loaded only to explain a file that is not."""
    if _quick_validator(json.dumps(schema, sort_keys=True)).is_valid(spec):
        return
    import jsonschema
    from jsonschema.exceptions import best_match

    family = schema.get("properties", {}).get("family", {}).get("const")
    if isinstance(family, str) and spec.get("family") != family:  # before any other key
        given = spec.get("family")
        what = "required key missing" if given is None else f"{given!r} is not a family name"
        message = f'{what}: the engine that reads the file, e.g. family = "{family}"'
        raise DataFileError(f"{path}:{line_of(text, ['family'])}: family: {message}")
    validator = jsonschema.Draft202012Validator(schema)
    errors = list(validator.iter_errors(spec))
    unknown = [e for e in errors if e.validator == "additionalProperties"]
    error = best_match(unknown or errors)  # a misspelt key before the key it misses
    if error is None:
        return
    keys = [str(part) for part in error.absolute_path]
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        keys.append(extra[0] if extra else "")
        close = difflib.get_close_matches(keys[-1], list(error.schema.get("properties", {})), 1)
        known = ", ".join(error.schema.get("properties", {}))
        message = (
            f"unknown key (did you mean {close[0]}?)" if close else f"unknown key (known: {known})"
        )
    elif error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        keys.append(missing[0] if missing else "")
        message = "required key missing"
    elif error.validator == "pattern" and (
        keys[:1] == ["fields"] or keys[:2] == ["lookup", "fields"]
    ):
        message = f"bad XPath {error.instance!r}: give name/name/@attr or /Root/@attr"
    elif "propertyNames" in error.schema_path:
        keys.append(str(error.instance))
        message = f"unknown name {error.instance!r} ({_accepted(error.schema)})"
    elif error.validator == "pattern":
        message = f"{error.instance!r} is not valid here ({_accepted(error.schema)})"
    elif error.validator in ("oneOf", "anyOf"):
        message = f"{_short(error.instance)} is not valid here (accepted: "
        message += f"{_alternatives(error.schema, schema)})"
    else:
        message = error.message[:200]
    raise DataFileError(f"{path}:{line_of(text, keys)}: {'.'.join(keys) or '(top)'}: {message}")


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 80 else shown[:80] + "…"


def _accepted(schema: dict[str, Any]) -> str:
    """What a schema accepts, in words: its names, or its description and pattern."""
    if isinstance(schema.get("enum"), list):
        return "known: " + ", ".join(map(str, schema["enum"]))
    described = f"{schema['description'].rstrip('.')}; " if schema.get("description") else ""
    return f"accepted: {described}text matching {schema.get('pattern', '')}"


def _alternatives(schema: dict[str, Any], root: dict[str, Any]) -> str:
    """The shapes a `oneOf`/`anyOf` accepts, in words (`a path`, `{sum = …}`, `a list`)."""
    shapes = []
    for alternative in schema.get("oneOf", schema.get("anyOf", [])):
        ref = alternative.get("$ref", "")
        if ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            alternative = root.get("$defs", {}).get(name, alternative)
            if "required" not in alternative:
                shapes.append(f"a {name}")
                continue
        if alternative.get("required"):
            shapes.append("{" + ", ".join(f"{k} = …" for k in alternative["required"]) + "}")
        elif alternative.get("type") == "array":
            shapes.append("a list of them")
        else:
            shapes.append(str(alternative.get("type", "a value")))
    return ", ".join(shapes) or "see the format's JSON Schema"


@functools.lru_cache(maxsize=8)
def _quick_validator(schema: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(json.loads(schema))


def line_of(text: str, keys: Sequence[str]) -> int:
    """The line of `a.b.c` in TOML text: where it is assigned under its table, else the line of
    the deepest enclosing table header or key found (1 when nothing matches)."""
    best, table = 1, tuple[str, ...]()
    arrays: dict[tuple[str, ...], int] = {}  # each array of tables → its last element's index
    lines = text.splitlines()
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        header = re.match(r"^\[\[?([^\]]+)\]\]?", line)
        if header:
            table = _table_path(_key_parts(header.group(1)), arrays, line.startswith("[["))
            if tuple(keys[: len(table)]) == table:
                best = number
                if len(table) == len(keys):
                    return number
            elif best == 1 and table[: len(keys)] == tuple(keys):
                best = number  # a table within the key ([status.payment] for `status`)
            continue
        assigned = re.match(
            r'^((?:"[^"]*"|\'[^\']*\'|[\w.-]+)(?:\s*\.\s*(?:"[^"]*"|[\w-]+))*)\s*=', line
        )
        if not assigned:
            continue
        full = (*table, *_key_parts(assigned.group(1)))
        if full == tuple(keys):
            return number
        if len(full) < len(keys) and tuple(keys[: len(full)]) == full:
            best = number  # an inline table or array holding the key
    return best


def _table_path(parts: list[str], arrays: dict[tuple[str, ...], int], new: bool) -> tuple[str, ...]:
    """A table header's path with the index of each array of tables it is within (`[[lines]]`
    twice, then `[lines.status]`: lines.1.status); `new` for a `[[…]]` header."""
    path: tuple[str, ...] = ()
    for depth, part in enumerate(parts):
        path = (*path, part)
        if new and depth == len(parts) - 1:
            arrays[path] = arrays.get(path, -1) + 1
        if path in arrays:
            path = (*path, str(arrays[path]))
    return path


def _key_parts(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', key)]


def load(path: Path, schema: dict[str, Any], origin: str = "--dialect") -> DataFile:
    """One file, read and checked against `schema`; never raises (the error is kept)."""
    spec: dict[str, Any] = {}
    try:
        spec, data = read_toml(path)
        check(spec, schema, path, data.decode("utf-8-sig"))
    except DataFileError as exc:
        name = spec.get("name") if isinstance(spec.get("name"), str) else None
        return DataFile(path, origin, None, str(exc), name=name)
    return DataFile(path, origin, spec, None, data, spec["name"])


def folders(builtin: Path | None = None) -> Iterator[tuple[Path, str]]:
    """Every folder to read, in order of precedence, with where it came from; a folder named
    twice is read once (where it comes first), so its files are not listed twice."""
    seen: set[str] = set()
    for folder, origin in _named_folders(builtin):
        key = os.path.realpath(folder)
        if key not in seen:
            seen.add(key)
            yield folder, origin


def _named_folders(builtin: Path | None) -> Iterator[tuple[Path, str]]:
    for entry in os.environ.get(PATH_ENV, "").split(os.pathsep):
        if entry:
            yield Path(entry), f"${PATH_ENV}"
    for _value, folder, origin, _problem in _entry_folders():
        if folder is not None:
            yield folder, origin
    if builtin is not None:
        yield builtin, "built-in"


def _entry_folders() -> Iterator[tuple[str, Path | None, str, str]]:
    """Each `ccstd.dialects` entry's value, its folder (None: refused), where it came from and,
    when refused, why."""
    for point in entry_points(group=GROUP):
        dist = point.dist.name if point.dist is not None else point.name
        found = _entry_paths(point.value)
        if found is None:
            yield point.value, None, f"plugin {dist}", "not a folder inside the package it names"
            continue
        root = _installed_root(point.dist)
        if root is None or not all(_within(path, root) for path in found):
            where = f"where {dist} is installed ({root})" if root else "any installed files"
            problem = f"a folder that resolves outside {where}"
            yield point.value, None, f"plugin {dist}", problem
            continue
        yield point.value, found[1], f"plugin {dist}", ""


def _installed_root(dist: Distribution | None) -> str | None:
    """Where a distribution is installed, links resolved: the folder importlib.metadata locates
    its files from (site-packages, holding its `.dist-info`); None when it has none."""
    if dist is None:
        return None
    located = dist.locate_file("")
    return os.path.realpath(str(located)) if located is not None else None


def _within(path: Path, root: str) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(root)


def _entry_folder(value: str) -> Path | None:
    """The folder a `ccstd.dialects` entry names, found without running the package's code;
    None unless it lies inside the package (an absolute path or `..` is refused)."""
    found = _entry_paths(value)
    return found[1] if found is not None else None


def _entry_paths(value: str) -> tuple[Path, Path] | None:
    """The package and the folder within it that a `ccstd.dialects` entry names (see
    _entry_folder); None when there is no such package or the folder leaves it."""
    top, _, rest = value.strip().partition("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", top):
        return None
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        return None
    package = Path(locations[0])
    folder = package / rest if rest else package
    return (package, folder) if _within(folder, os.path.realpath(package)) else None


def _escaping_link(path: Path, folder: Path) -> str | None:
    """Why a plugin's file is refused: a symbolic link to a file outside the plugin's dialect
    folder (a package would ship, or a later change of it plant, any file of the machine as one
    of its dialects); None for a plain file or a link within the folder."""
    if not path.is_symlink():
        return None
    if Path(os.path.realpath(path)).is_relative_to(os.path.realpath(folder)):
        return None
    return f"{path}: a symbolic link to a file outside the plugin's dialect folder: refused"


def discover(family: str, schema: dict[str, Any], builtin: Path) -> list[DataFile]:
    """Every file of `family` in every folder (precedence order); files of other families are
    left to them. A file that cannot be read, or that names no family, is kept with its error
    by the default family only, so that it is listed once; so is a folder that is not one."""
    found: list[DataFile] = []
    default = family == DEFAULT_FAMILY
    if default:
        for value, folder, origin, problem in _entry_folders():
            if folder is None:
                refused = f"{value}: {problem}: refused ({origin})"
                found.append(DataFile(Path(value), origin, None, refused))
    for folder, origin in folders(builtin):
        if not folder.is_dir():
            if default:
                found.append(DataFile(folder, origin, None, f"{folder}: not a folder ({origin})"))
            continue
        for path in sorted(folder.glob("*.toml")):
            escape = _escaping_link(path, folder) if origin.startswith("plugin ") else None
            if escape is not None:
                if default:
                    found.append(DataFile(path, origin, None, f"{escape} ({origin})"))
                continue
            try:
                spec, _ = read_toml(path)
            except DataFileError as exc:
                if default:
                    found.append(DataFile(path, origin, None, str(exc)))
                continue
            named = spec.get("family")
            if named == family or (default and not isinstance(named, str)):
                found.append(load(path, schema, origin))
    return found


def field_problem(version: str, target: str, value: Any) -> str | None:
    """What is wrong with `value` as the standard field `target` (`Order.channel`,
    `Order.lines[].quantity`, `Device.community.id`) in standard `version`, judged by the
    field's own JSON Schema (enum, pattern, format, type), or None when it fits. A constant or a
    code a data file maps is checked this way at load time, never against a copy of the lists."""
    from ccstd.standard.registry import StandardRegistry, UnknownVersionError

    try:
        standard = StandardRegistry().get(version)
    except UnknownVersionError as exc:
        return str(exc)
    where = f"{target} in standard {version}"
    found = _field_node(standard, target)
    if found is None:
        return f"standard {version} has no field {target}"
    codes = found[2].get("enum")
    if isinstance(codes, list):  # a code list: the value is one of its codes or nothing
        if value in codes and type(value) is type(codes[codes.index(value)]):
            return None
        accepted = ", ".join(str(code) for code in codes)
        return f"{_short(value)} is not a code of {where} (accepted: {accepted})"
    errors = list(_field_validator(standard, found[0], found[1]).iter_errors(value))
    if not errors:
        return None
    message = errors[0].message
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{_short(value)} does not fit {where}: {message}"


def zone_problem(name: Any) -> str | None:
    """What is wrong with `name` as an IANA time zone (checked with zoneinfo), or None."""
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"not an IANA time zone: {_short(name)} (e.g. Asia/Shanghai, UTC, Europe/Berlin)"
    if str(name).lower() in _NOT_ZONES:
        return f"{name!r} is not a zone of a place (e.g. Asia/Shanghai, UTC, Europe/Berlin)"
    return None


_NOT_ZONES = frozenset({"localtime", "posixrules", "factory"})  # this machine's, or none


def _field_node(standard: Any, target: str) -> tuple[str, str, dict[str, Any]] | None:
    """The document URI, JSON Pointer and (references followed) schema of a field."""
    from urllib.parse import urldefrag, urljoin

    entity, *steps = target.split(".")
    try:
        uri = standard.entity_ids[entity]
    except KeyError:
        return None
    pointer, node = "", standard.documents[uri]
    for step in [part for name in steps for part in _array_steps(name)]:
        while True:
            local = node.get("properties", {}) if step != "[]" else {}
            if step == "[]" and isinstance(node.get("items"), dict):
                pointer, node = f"{pointer}/items", node["items"]
                break
            if step in local:
                pointer, node = f"{pointer}/properties/{step}", local[step]
                break
            if "$ref" not in node:
                return None
            uri, pointer = urldefrag(urljoin(uri, node["$ref"]))
            node = standard.resolve(uri, "#" + pointer)[1]
    while "$ref" in node:  # the field's own constraints (a code list, a format)
        uri, pointer = urldefrag(urljoin(uri, node["$ref"]))
        node = standard.resolve(uri, "#" + pointer)[1]
    return uri, pointer, node


def _array_steps(step: str) -> list[str]:
    return [step.removesuffix("[]"), "[]"] if step.endswith("[]") else [step]


@functools.lru_cache(maxsize=256)
def _field_validator(standard: Any, uri: str, pointer: str) -> jsonschema_rs.Validator:
    """A field's schema compiled alone when it refers to nothing (text, a time, a code list,
    a pattern: the common case, and quick), else with the whole standard as its registry."""
    from ccstd.standard.formats import DOMAIN_FORMATS

    node = standard.resolve(uri, "#" + pointer)[1]
    options: dict[str, Any] = {
        "formats": DOMAIN_FORMATS, "validate_formats": True, "ignore_unknown_formats": False
    }  # fmt: skip
    if "$ref" not in json.dumps(node):
        return jsonschema_rs.validator_for(node, **options)
    from ccstd.standard.checker import _compiled_registry

    return jsonschema_rs.validator_for(
        {"$ref": f"{uri}#{pointer}"}, registry=_compiled_registry(standard), **options
    )


# Source names that say a value is a person's (privacy: docs/dialects.md, "Personal data"): a
# field written unprotected may not read an element or key so named. Compared as the last step of
# a path, case and `_`/`-`/spaces ignored; an English word may follow one of PERSON_PREFIXES
# (`receiverMobile`, `buyer_name`). GENERIC words are personal bare only where a family says so
# (an order line's `name` is the product's).
PERSONAL_WORDS = frozenset(
    {
        # Chinese
        "姓名", "人员姓名", "名字", "真实姓名", "用户名", "持卡人", "手机号", "手机", "手机号码",
        "联系电话", "联系方式", "电话", "电话号码", "身份证号", "身份证", "身份证号码", "证件号码",
        "证件号", "住址", "地址", "家庭住址", "详细地址", "工号", "收货人", "收件人", "联系人",
        "邮箱", "昵称", "微信", "微信号", "出生日期", "生日", "护照号", "车牌号", "紧急联系人",
        "操作员", "门牌号", "房号", "房间号", "业主", "户主", "住户", "访客", "车主", "房客",
        "寄件人", "收货地", "联络人",
        # English
        "fullname", "realname", "firstname", "lastname", "surname", "givenname", "familyname",
        "cardholder", "holdername", "staffname", "cnname", "username", "nick", "nickname",
        "mobile", "mobileno", "mobilenumber", "mobilephone", "cellphone", "phone", "phoneno",
        "phonenumber", "tel", "telno", "telephone", "idcard", "idcardno", "idcardnumber", "idno",
        "idnumber", "certificate", "certificateno", "certificatenumber", "certno", "address",
        "address1", "address2", "addressline", "street", "email", "holder", "cardno",
        "cardnumber", "qq", "wechat", "birthday", "birthdate", "dateofbirth", "dob", "passport",
        "passportno", "passportnumber", "licenseplate", "plateno", "platenumber",
        "emergencycontact", "linkman", "alipayno", "alipayaccount", "owner", "visitor", "customer",
        "buyer", "guest", "booker",
        # pinyin and its initials, as government systems name columns
        "xm", "xingming", "sfzh", "sfzhm", "lxdh", "sjhm", "sjh", "shoujihao", "dianhua", "lxr",
        "sfz", "zjhm", "yzxm", "lxfs", "csrq", "jtzz",
    }
)  # fmt: skip
# Chinese words that say "a person's data" wherever they sit in a name (持卡人姓名, 联系人电话,
# 门禁卡号); not 地址 or 名称 on their own: IP地址 and 设备名称 are a device's. A name that also
# holds one of DEVICE_NOUNS is a device's (身份证阅读器编号: an ID-card reader's number).
PERSONAL_PARTS = (
    "姓名", "电话", "手机", "身份证", "证件号", "住址", "持卡人", "卡号", "座机", "固话", "门牌",
    "邮箱", "微信号", "护照", "车牌", "出生日期",
)  # fmt: skip
DEVICE_NOUNS = ("阅读器", "读卡器", "读头")
# Words that make a name a phone's wherever they stand in it (`backup_recipient_phone`,
# `cellPhoneNumber`, `phone1`, `shipToPhone`); a name is cut into words at case changes, digits,
# `_`, `-` and spaces.
PHONE_WORDS = frozenset({"phone", "phones", "tel", "telephone", "mobile", "cellphone", "fax"})
GENERIC_PERSONAL_WORDS = frozenset({"name"})
# personal after a person-like prefix: a name, or a number that identifies the person
# (`employeeNo`, `employeeNoString`, `staffNo`, `personId`, `员工编号`, `cardNumber`)
AFTER_PERSON = frozenset(
    {"name", "名称", "person", "no", "number", "num", "id", "code", "nostring", "idstring",
     "编号", "号", "id号", "号码", "名"}
)  # fmt: skip
PERSON_PREFIXES = (
    "person", "user", "employee", "owner", "resident", "visitor", "staff", "holder", "contact",
    "receiver", "recipient", "consignee", "buyer", "customer", "cardholder", "personnel", "emp",
    "worker", "member", "tenant", "client", "patient", "card", "driver", "account", "operator",
    "shipto", "billto", "guest", "booker", "人员", "用户", "员工", "业主", "户主", "住户", "访客",
    "车主", "房客", "寄件人", "收货人", "收件人", "买家", "客户", "租户", "会员", "联系人",
    "联络人", "司机", "操作员",
)  # fmt: skip
# An address is a person's unless a site's, a business's or a network's: a name ending in one of
# ADDRESS_SUFFIXES (`full_address`, `shippingAddress`, `收货地址`), or in one of them followed by
# one of DETAIL_WORDS (`addressDetail`, `收货地址详情`), is personal, and so is what it contains,
# unless a word before the suffix is one of SITE_ADDRESSES (`DeviceIPAddress`, `store_address`)
# or, in Chinese, holds one of SITE_PARTS (`设备IP地址`, `门店地址`).
# Other containers whose keys are a person's: a step that is a PERSON_PREFIX, alone or followed
# by one of CONTAINER_SUFFIXES (`customer`, `buyerInfo`). CONTAINED_WORDS are personal inside a
# container only (bare, `name` is a product's or a device's); PERSONAL_WORDS are personal anywhere.
CONTAINER_SUFFIXES = ("", "info", "information", "data", "detail", "details", "信息", "资料")
ADDRESS_SUFFIXES = ("address", "addresses", "addr", "地址")
DETAIL_WORDS = ("detail", "details", "详情", "详细")
SITE_ADDRESSES = frozenset(
    {"ip", "ipv4", "ipv6", "mac", "server", "host", "device", "gateway", "network", "net",
     "local", "remote", "bluetooth", "wifi", "web", "url", "wan", "lan", "store", "shop",
     "merchant", "seller", "warehouse", "return", "community", "site", "office", "company",
     "business", "branch"}
)  # fmt: skip
SITE_PARTS = (
    "ip", "mac", "设备", "服务器", "网关", "主机", "网络", "门店", "店铺", "商家", "商户", "小区",
    "仓库", "公司", "退货",
)  # fmt: skip
CONTAINED_WORDS = frozenset(
    {"name", "名称", "line", "line1", "line2", "line3", "street1", "street2", "streetaddress",
     "latitude", "longitude", "lat", "lng", "lon", "经度", "纬度"}
)  # fmt: skip
# Names are compared in simplified characters: a traditional character of the lists above becomes
# its simplified form before any comparison (戶主 is 户主, 聯繫方式 is 联系方式), so each word is
# listed once. Only the characters those words use are here (one character to one; 係 and 繫 are
# both 系); a character not here is compared as written.
TRADITIONAL = str.maketrans(
    "業買倉會關務區號員備頭實庫戶護機電碼稱緊緯細經絡編網聯設訪證話詳讀貨資車郵鋪門間閱暱係繫"
    "連絡詢暫駕帳賬戸",
    "业买仓会关务区号员备头实库户护机电码称紧纬细经络编网联设访证话详读货资车邮铺门间阅昵系系"
    "连络询暂驾帐账户",
)
# Word classes (a name cut into words at `/`, `.`, `_`, `-`, spaces, case changes and digits):
# a word of PERSON_NOUNS followed by a word of NAME_WORDS is a person's name
# (`logistics_dispatcher_name`, `riderName`, `courier_nick`), a word of OWN_NAME_WORDS is one
# wherever it stands (`fans_nickname`), and a name that is only RECIPIENT_NOUNS names the person
# (`consignee`, `receiver`). A Chinese name holding one of PERSON_PARTS_ZH names a person
# (收货人/提货人, 签收人, 买家会员名, 配送员, 骑手). Shop, site, device and network names hold none.
PERSON_NOUNS = frozenset(
    {"person", "user", "employee", "owner", "resident", "visitor", "staff", "holder", "contact",
     "receiver", "recipient", "consignee", "buyer", "customer", "cardholder", "member", "tenant",
     "client", "patient", "driver", "operator", "guest", "booker", "dispatcher", "rider",
     "courier", "deliveryman", "deliverer", "picker", "payer", "signer", "fans", "fan",
     "consumer", "shopper", "purchaser", "sender", "shipper", "addressee", "linkman", "contacts"}
)  # fmt: skip
NAME_WORDS = frozenset({"name", "names", "nick", "nickname", "realname", "fullname", "名", "名称"})
OWN_NAME_WORDS = frozenset(
    {"nickname", "nicknames", "realname", "fullname", "firstname", "lastname", "surname",
     "givenname", "familyname", "username"}
)  # fmt: skip
RECIPIENT_NOUNS = frozenset({"receiver", "recipient", "consignee", "addressee"})
# where a person receives an order: `deliveryGeo`, `recipient_location`, `shipping_coordinates`
PLACE_WORDS = frozenset({"geo", "location", "coordinate", "coordinates", "latlng", "lnglat"})
PLACE_OWNERS = PERSON_NOUNS | {"delivery", "shipping", "ship", "destination"}
PERSON_PARTS_ZH = (
    "收货人", "提货人", "签收人", "取件人", "下单人", "付款人", "收件人", "寄件人", "联系人",
    "配送员", "骑手", "快递员", "送货员", "会员名", "买家名", "用户名",
)  # fmt: skip
_SEPARATORS = re.compile(r"[/.]")
_NAME_NOISE = re.compile(r"[\s_\-]+")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\x00-\x7f]+")


def personal_path(steps: Sequence[str], generic: bool = True) -> bool:
    """Whether a source path (its element or key names, outermost first) says it holds a
    person's data: its last name does (`personal_name`), or it is one of CONTAINED_WORDS inside
    a person's container (`billing_address.name`, `customer.name`, `receiverInfo/line1`)."""
    if not steps:
        return False
    *outer, last = steps
    if personal_name(last, generic) or _persons_address(last):
        return True
    return _plain(last) in CONTAINED_WORDS and any(_person_container(step) for step in outer)


def _words(name: str) -> list[str]:
    simplified = unicodedata.normalize("NFKC", name).translate(TRADITIONAL)
    return [word.casefold() for word in _WORDS.findall(simplified)]


def _persons_address(name: str) -> bool:
    """Whether a name is a person's address (`recipient_address_detail`, `收货地址`), not a
    site's, a business's or a network's (`wanIpAddress`, `店铺地址`)."""
    words = _words(name)
    if len(words) > 1 and words[-1] in DETAIL_WORDS:
        words.pop()
    elif words and words[-1].endswith(DETAIL_WORDS) and not words[-1].isascii():
        words[-1] = words[-1][:-2]  # 收货地址详情
    if not words or not words[-1].endswith(ADDRESS_SUFFIXES):
        return False
    last = words[-1]
    suffix = next(s for s in ADDRESS_SUFFIXES if last.endswith(s))
    before = [*words[:-1], last.removesuffix(suffix)]
    owner = "".join(before)
    if owner in SITE_ADDRESSES or any(word in SITE_ADDRESSES for word in before):
        return False
    return not any(part in owner for part in SITE_PARTS if not part.isascii())


def _person_container(step: str) -> bool:
    plain = _plain(step)
    return _persons_address(step) or any(
        plain == prefix + suffix for prefix in PERSON_PREFIXES for suffix in CONTAINER_SUFFIXES
    )


def _plain(name: str) -> str:
    simplified = unicodedata.normalize("NFKC", name).translate(TRADITIONAL)
    return _NAME_NOISE.sub("", simplified).casefold()


def personal_name(name: str, generic: bool = True) -> bool:
    """Whether a source element or key name says it holds a person's data (`姓名`,
    `receiver_mobile`, `cardHolder`, `employeeNo`, `homePhone`, `logistics_dispatcher_name`,
    `收货人/提货人`); bare `name` too unless `generic` is false."""
    pieces = [piece for piece in _SEPARATORS.split(name) if piece]
    if len(pieces) > 1 and any(personal_name(piece, generic) for piece in pieces):
        return True
    return _personal_words(name) or _personal_one(name, generic)


def _personal_words(name: str) -> bool:
    """The word classes: a person noun then a name word, a name word of its own, a recipient
    noun alone, a delivery place, or a Chinese person noun."""
    words = _words(name)
    if any(word in OWN_NAME_WORDS for word in words):
        return True
    if words and all(word in RECIPIENT_NOUNS for word in words):
        return True
    for index, word in enumerate(words):
        later = words[index + 1 :]
        if word in PERSON_NOUNS and any(w in NAME_WORDS for w in later):
            return True
        if word in PLACE_OWNERS and any(w in PLACE_WORDS for w in later):
            return True
    plain = _plain(name)
    return any(part in plain for part in PERSON_PARTS_ZH)


def _personal_one(name: str, generic: bool) -> bool:
    plain = _plain(name)
    words = PERSONAL_WORDS | GENERIC_PERSONAL_WORDS if generic else PERSONAL_WORDS
    if plain in words or any(word.rstrip("s") in PHONE_WORDS for word in _words(name)):
        return True
    if any(part in plain for part in PERSONAL_PARTS):
        return not any(noun in plain for noun in DEVICE_NOUNS)
    for prefix in PERSON_PREFIXES:
        rest = plain.removeprefix(prefix)
        if rest != plain and rest in PERSONAL_WORDS | AFTER_PERSON:
            return True
    return False
