"""Conformance runner: certify a vendor against a standard version and its profiles."""
