"""ccstd: the Community Common Standard toolkit."""

__version__ = "0.2.0"
