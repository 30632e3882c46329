"""What datamodel-code-generator leaves out of the models, and ccstd adds after it.

`add_rules` edits the generated module on its syntax tree (the spans of names it finds there,
never a search of its text): every object model extends a base `StandardModel` that refuses a
property given as null (no schema of the standard allows null; pydantic would take it for an
optional field) and dumps only the properties that were set; numbers, URIs, dates and date-times
get the types of codegen_types.py. See codegen_schema.py for what is done before the generator.
It also merges the generator's `isinstance(x, A) or isinstance(x, B)` into one call, and imports
exactly the names the module uses, so that it passes ruff's default rules as integrators run them.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from typing import Any

from ccstd.standard.publishing.codegen_schema import nodes
from ccstd.standard.publishing.codegen_types import (
    ALIASES,
    NEEDS,
    STANDARD_LIBRARY,
    definitions,
)

BASE = "StandardModel"
LINE_LENGTH = 100  # the generated module's (codegen.LINE_LENGTH)
_IMPORTS = {
    "pydantic": {"BaseModel", "model_validator"} | NEEDS["pydantic"],
    "typing": {"Any"} | NEEDS["typing"],
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


Edit = tuple[int, int, int, int, str]  # start line, column, end line, column (ast's), new text


def add_rules(code: str, *, refuse_null: bool) -> str:
    """The generated module with the types of codegen_types.py and the `StandardModel` base
    (refusing null if `refuse_null`); its `isinstance(x, A) or isinstance(x, B)` said
    `isinstance(x, (A, B))`, as linters ask."""
    tree = ast.parse(code)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    names = {n.name for n in classes} | {a.asname or a.name for a in _import_aliases(tree)}
    if clash := names & {BASE, *ALIASES.values()}:
        raise CodegenError(f"the generated module already defines {sorted(clash)}")
    inside = [node for cls in classes for node in ast.walk(cls)]
    renames = [
        _edit(node, ALIASES[node.id])
        for node in inside
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in ALIASES
    ]
    renames += [
        _edit(base, BASE)
        for cls in classes
        for base in cls.bases
        if isinstance(base, ast.Name) and base.id == "BaseModel"
    ]
    merged = [edit for node in inside if (edit := _merged_isinstance(code, node)) is not None]
    if not renames and not merged:
        return code
    used = {edit[-1] for edit in renames}
    lines = _applied(code, renames + merged)
    if not used:
        return "".join(lines)
    first = min(classes, key=lambda n: n.lineno)
    at = min([first.lineno, *(d.lineno for d in first.decorator_list)]) - 1
    base = _base_source(refuse_null) if BASE in used else ""
    lines.insert(at, definitions(used) + base)  # edits are all below: line numbers still hold
    modules = sorted({name for alias in used for name in STANDARD_LIBRARY.get(alias, ())})
    return _with_imports(lines, tree, modules)


def _edit(node: ast.expr, text: str) -> Edit:
    assert node.end_lineno is not None and node.end_col_offset is not None
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, text)


def _merged_isinstance(code: str, node: ast.AST) -> Edit | None:
    """`isinstance(x, (A, B))` for `isinstance(x, A) or isinstance(x, B)`, else None."""
    if not (isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or)):
        return None
    calls = [
        v
        for v in node.values
        if isinstance(v, ast.Call)
        and isinstance(v.func, ast.Name)
        and v.func.id == "isinstance"
        and len(v.args) == 2
        and not v.keywords
        and isinstance(v.args[0], ast.Name)
    ]
    subjects = {c.args[0].id for c in calls if isinstance(c.args[0], ast.Name)}
    if len(calls) != len(node.values) or len(subjects) != 1:
        return None
    kinds = ", ".join(ast.get_source_segment(code, c.args[1]) or "" for c in calls)
    return _edit(node, f"isinstance({subjects.pop()}, ({kinds}))")


def _applied(code: str, edits: list[Edit]) -> list[str]:
    """The module's lines with the edits made (ast's columns count UTF-8 bytes)."""
    text = code.encode("utf-8")
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line.encode("utf-8")))
    spans = sorted(
        (starts[line - 1] + column, starts[end_line - 1] + end_column, new)
        for line, column, end_line, end_column, new in edits
    )
    if any(end > next_start for (_, end, _), (next_start, _, _) in itertools.pairwise(spans)):
        raise CodegenError("two edits of the generated module overlap")
    for start, end, new in reversed(spans):
        text = text[:start] + new.encode("utf-8") + text[end:]
    return text.decode("utf-8").splitlines(keepends=True)


def _base_source(refuse_null: bool) -> str:
    return _BASE_SOURCE + (_NULL_SOURCE if refuse_null else "") + "\n"


_BASE_SOURCE = f'''class {BASE}(BaseModel):
    """Base of every object model. A dump writes the standard's names (`class`, not `class_`)
    and leaves out the properties that were not set (pass `by_alias=False` or
    `exclude_unset=False` to change that): a record comes back as it was read, never with a
    null or a default it did not hold. No schema of the standard allows null: a property given
    as null is refused, as `ccstd validate` refuses it."""

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("by_alias", True)
        kwargs.setdefault("exclude_unset", True)
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("by_alias", True)
        kwargs.setdefault("exclude_unset", True)
        return super().model_dump_json(**kwargs)
'''

_NULL_SOURCE = """
    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, dict) and (nulls := [k for k, v in data.items() if v is None]):
            raise ValueError(f"null is not allowed for {', '.join(map(str, nulls))}")
        return data

"""


def _import_aliases(tree: ast.Module) -> Iterator[ast.alias]:
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield from node.names


def _with_imports(lines: list[str], tree: ast.Module, modules: list[str]) -> str:
    """The import statements of `pydantic` and `typing` rewritten with the names the module
    uses (sorted, one a line, as the generator writes them), and `import M` of each standard
    library module in `modules`. `lines` are the module's lines after the edits, which all come
    after its imports."""
    statements = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module in _IMPORTS]
    if {n.module for n in statements} != _IMPORTS.keys():
        raise CodegenError("the generated module does not import from pydantic and typing")
    used = {n.id for n in ast.walk(ast.parse("".join(lines))) if isinstance(n, ast.Name)}
    for node in sorted(statements, key=lambda n: n.lineno, reverse=True):
        assert node.module is not None and node.end_lineno is not None
        plain = {a.name for a in node.names if a.asname is None} | _IMPORTS[node.module]
        names = sorted(plain & used)
        aliased = [f"{a.name} as {a.asname}" for a in node.names if a.asname is not None]
        line = f"from {node.module} import {', '.join([*names, *aliased])}\n"
        if len(line) > LINE_LENGTH + 1:
            body = "".join(f"    {name},\n" for name in [*names, *aliased])
            line = f"from {node.module} import (\n{body})\n"
        lines[node.lineno - 1 : node.end_lineno] = [line]
    imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
    bound = {a.asname or a.name for a in _import_aliases(tree)}
    if clash := (set(modules) - imported) & bound:
        raise CodegenError(f"the generated module already binds {sorted(clash)}")
    missing = [f"import {name}\n" for name in modules if name not in imported]
    if missing:
        first = min(
            n.lineno
            for n in tree.body
            if isinstance(n, ast.Import)
            or (isinstance(n, ast.ImportFrom) and n.module != "__future__")
        )
        lines[first - 1 : first - 1] = missing
    return "".join(lines)
