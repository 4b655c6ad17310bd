# tickwire: compiled by mypyc. Edits take effect after `pip install -e .` (see setup.py).
"""Float checks for the compiled hot path.

``math.isfinite`` is a module attribute lookup and a call in compiled code, while
``math.isinf`` and ``math.isnan`` compile to plain C tests (mypyc primitives).
"""

from __future__ import annotations

import math

__all__ = ["is_finite"]


def is_finite(x: float) -> bool:
    """True unless ``x`` is NaN or infinite (same as ``math.isfinite``)."""
    return not (math.isinf(x) or math.isnan(x))
