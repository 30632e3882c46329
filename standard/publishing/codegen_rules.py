"""What datamodel-code-generator leaves out of the models, and ccstd adds after it.

`add_rules` edits the generated module on its syntax tree (the spans of names it finds there,
never a search of its text): a base `StandardModel` refuses a property given as null (no schema
of the standard allows null; pydantic would take it for an optional field), and dates and
date-times must be RFC 3339 text (pydantic would take a number as a Unix time, or
`2024-05-01 09:00Z`). See codegen_schema.py for what is done before the generator.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from ccstd.standard import formats
from ccstd.standard.publishing.codegen_schema import nodes

BASE = "StandardModel"
LINE_LENGTH = 100  # the generated module's (codegen.LINE_LENGTH)
_TEMPORAL = {  # generated type -> (alias ccstd puts in its place, the text it must match)
    "AwareDatetime": ("Rfc3339DateTime", formats._DATE_TIME.pattern),
    "date": ("Rfc3339Date", formats._DATE.pattern),
}
_IMPORTS = {
    "pydantic": {"BaseModel", "BeforeValidator", "model_validator"},
    "typing": {"Annotated", "Any"},
}


class CodegenError(ValueError):
    """The generated module cannot be made to agree with the schemas."""


def allows_null(schema: Any) -> bool:
    """Whether any subschema admits null (`type: null`, a null `const` or `enum` member)."""
    return any(_null_admitting(node) for node in nodes(schema))


def _null_admitting(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    return (
        "null" in kinds
        or ("const" in node and node["const"] is None)
        or (isinstance(node.get("enum"), list) and None in node["enum"])
    )


def add_rules(code: str, *, refuse_null: bool) -> str:
    """The generated module with RFC 3339 dates and (if `refuse_null`) the null-refusing base."""
    tree = ast.parse(code)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    names = {n.name for n in classes} | {a.asname or a.name for a in _import_aliases(tree)}
    if clash := names & {BASE, *(alias for alias, _ in _TEMPORAL.values())}:
        raise CodegenError(f"the generated module already defines {sorted(clash)}")
    edits = [
        (node.lineno, node.col_offset, node.end_col_offset, _TEMPORAL[node.id][0])
        for cls in classes
        for node in ast.walk(cls)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in _TEMPORAL
    ]
    if refuse_null:
        edits += [
            (base.lineno, base.col_offset, base.end_col_offset, BASE)
            for cls in classes
            for base in cls.bases
            if isinstance(base, ast.Name) and base.id == "BaseModel"
        ]
    if not edits:
        return code
    used = {name for *_, name in edits}
    lines = code.splitlines(keepends=True)
    for line, start, end, name in sorted(edits, reverse=True):
        lines[line - 1] = lines[line - 1][:start] + name + lines[line - 1][end:]
    first = min(classes, key=lambda n: n.lineno)
    at = min([first.lineno, *(d.lineno for d in first.decorator_list)]) - 1
    lines.insert(at, _definitions(used))
    return _with_imports(lines, tree, need_re=bool(used - {BASE}))


def _definitions(used: set[str]) -> str:
    blocks = [
        f"_{alias.upper()} = re.compile({_raw_lines(text)})\n\n\n"
        f"def _{alias.lower()}_text(value: Any) -> Any:\n"
        f'    """{kind} as JSON writes it: RFC 3339 text, never a number (a Unix time)."""\n'
        f"    if isinstance(value, int | float) or (\n"
        f"        isinstance(value, str) and not _{alias.upper()}.fullmatch(value)\n"
        f"    ):\n"
        f'        raise ValueError("expected RFC 3339 text")\n'
        f"    return value\n\n\n"
        f"{alias} = Annotated[{kind}, BeforeValidator(_{alias.lower()}_text)]\n\n\n"
        for kind, (alias, text) in _TEMPORAL.items()
        if alias in used
    ]
    if BASE in used:
        blocks.append(_BASE_SOURCE)
    return "".join(blocks)


def _raw_lines(text: str, width: int = 80) -> str:
    """A regular expression as raw string literals of at most `width` characters, one a line
    (a literal never ends in a backslash, which would escape its closing quote)."""
    if '"' in text:
        raise CodegenError(f"cannot write {text!r} as a raw string")
    if len(text) <= width:
        return f'r"{text}"'
    chunks, start = [], 0
    while start < len(text):
        end = min(start + width, len(text))
        while text[end - 1] == "\\" and end < len(text):
            end += 1
        chunks.append(f'    r"{text[start:end]}"\n')
        start = end
    return "\n" + "".join(chunks)


_BASE_SOURCE = f'''class {BASE}(BaseModel):
    """Base of every object model: no schema of the standard allows null, so a property given
    as null is refused, as `ccstd validate` refuses it."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, dict) and (nulls := [k for k, v in data.items() if v is None]):
            raise ValueError(f"null is not allowed for {{', '.join(map(str, nulls))}}")
        return data


'''


def _import_aliases(tree: ast.Module) -> Iterator[ast.alias]:
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield from node.names


def _with_imports(lines: list[str], tree: ast.Module, *, need_re: bool) -> str:
    """The import statements of `pydantic` and `typing` rewritten with the names the rules use
    (sorted, one a line, as the generator writes them), and `import re` when needed. `lines`
    are the module's lines after the edits, which all come after its imports."""
    statements = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module in _IMPORTS]
    if {n.module for n in statements} != _IMPORTS.keys():
        raise CodegenError("the generated module does not import from pydantic and typing")
    for node in sorted(statements, key=lambda n: n.lineno, reverse=True):
        assert node.module is not None and node.end_lineno is not None
        names = sorted({a.name for a in node.names if a.asname is None} | _IMPORTS[node.module])
        aliased = [f"{a.name} as {a.asname}" for a in node.names if a.asname is not None]
        line = f"from {node.module} import {', '.join([*names, *aliased])}\n"
        if len(line) > LINE_LENGTH + 1:
            body = "".join(f"    {name},\n" for name in [*names, *aliased])
            line = f"from {node.module} import (\n{body})\n"
        lines[node.lineno - 1 : node.end_lineno] = [line]
    if need_re:
        first = min(
            n.lineno
            for n in tree.body
            if isinstance(n, ast.Import)
            or (isinstance(n, ast.ImportFrom) and n.module != "__future__")
        )
        lines.insert(first - 1, "import re\n")
    return "".join(lines)
