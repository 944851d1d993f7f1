"""Bursar for Python: decide and explain applicants of a subsidy scheme with
the same runtime as ``bursar eval``, and simulate a population as
``bursar simulate`` does.

>>> import bursar
>>> b = bursar.Bundle.from_policy("policies/beijing/2023-career-boost.bursar")
>>> b.decide({"person_id": "E01", ...})["paid"]
Decimal('1000.00')

Everything here is the native module ``bursar._native`` (Rust, PyO3); this
file only re-exports it.
"""

from bursar._native import (
    Bundle,
    BundleError,
    InputError,
    SimulationError,
    simulate,
)

__all__ = ["Bundle", "BundleError", "InputError", "SimulationError", "simulate"]
