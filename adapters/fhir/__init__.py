"""FHIR R4 health records (fhir.resources R4B models) → the standard's health entities."""

from ccstd.adapters.fhir.adapter import FhirAdapter

__all__ = ["FhirAdapter"]
