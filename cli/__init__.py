"""The `ccstd` command line: thin typer commands over the library."""
