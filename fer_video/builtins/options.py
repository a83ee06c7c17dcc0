"""A stage's options as Python or the command line's ``key=value`` text gives them, checked.

Each helper returns the option as the stage needs it, or raises a ValueError whose text names
the option and what it takes: the run prints it as its one line.
"""

from __future__ import annotations


def number(name: str, value: object, low: float, high: float) -> float:
    """A number from ``low`` to ``high``."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        result = float("nan")
    if isinstance(value, bool) or not low <= result <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, not {value!r}")
    return result


def whole_number(name: str, value: object, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (``8`` and ``"8"`` and ``8.0``, not ``8.5``)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        result = float("nan")
    if isinstance(value, bool) or not (low <= result <= high and result == int(result)):
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(result)


def flag(name: str, value: object) -> bool:
    """True or false (``true``/``false``, ``1``/``0``, ``yes``/``no`` as text)."""
    if isinstance(value, str):
        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError(f"{name} must be true or false, not {value!r}")
        return value.lower() in ("true", "1", "yes")
    return bool(value)
