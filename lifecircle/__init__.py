"""The life-circle report: which services each community reaches on foot and within the hour.

`ccstd lifecircle` reads records of the standard (1.1.0 and 1.2.0), measures walking access
from every building to every facility type of a profile (on a street network or as a
straight-line estimate) and the time deliveries and services take, and writes aggregates only:
report.json, report.html and coverage.geojson (docs/lifecircle.md).
"""
