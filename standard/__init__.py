"""The Community Common Standard: schemas, registry, validation and findings."""
