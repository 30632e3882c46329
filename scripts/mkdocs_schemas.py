"""mkdocs hook: the site serves every schema at the path of its `$id`.

Hosting the built site at the `$id` host (https://ccstd.org/) makes every `$id` of every version,
and of the `x-ccstd` vocabulary meta-schema, resolve to its file, byte for byte.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from ccstd.standard.publishing.artefacts import served_files
from ccstd.standard.registry import SCHEMAS_ROOT


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add every schema to the site at the path of its `$id`."""
    for target, path in served_files(SCHEMAS_ROOT).items():
        files.append(File.generated(config, target, abs_src_path=str(path)))
    return files
