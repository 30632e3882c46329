"""`ccstd serve`: the validator as an HTTP service with a browser page (docs/service.md)."""
