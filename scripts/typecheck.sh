#!/usr/bin/env bash
# mypy over the installed layout: `ccstd.standard` lives in standard/ (package-dir mapping), which
# mypy cannot follow through setuptools' editable finder, so give it a tree of directory links.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
view="$top/build/typecheck"
rm -rf "$view" && mkdir -p "$view/ccstd"
cp "$top"/ccstd/*.py "$top/ccstd/py.typed" "$view/ccstd/"
for package in standard adapters conformance cli service lifecircle; do
  ln -s "$top/$package" "$view/ccstd/$package"
done
cd "$view" && exec "${MYPY:-mypy}" --config-file "$top/pyproject.toml" -p ccstd
