"""Publishing tools of the standard: diff, release, drafts, bundling, code generation, docs.

`ccstd.standard` holds the validator; this package holds what the publishing body runs
(docs/architecture.md, §2).
"""
