"""`python -m ccstd.cli`: the same as the `ccstd` command."""

from ccstd.cli.app import main

main()
