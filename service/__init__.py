"""`ccstd serve`: the validator as an HTTP service with a browser page (docs/serve.md)."""
