"""ccstd: the Community Common Standard toolkit."""

__version__ = "0.1.0"
