"""GRBL 1.1 ``$N`` settings: defaults, the ``$$`` dump, and the checks ``$N=value`` passes through.

Defaults are those of a fresh GRBL 1.1h EEPROM (``$$`` in /work/shared/notes/grbl.md §5).
"""

from __future__ import annotations

from collections.abc import Mapping

#: ``$N`` → value of a fresh GRBL 1.1h (mm, mm/min, mm/s², µs, ms).
DEFAULT_SETTINGS: dict[int, float] = {
    0: 10, 1: 25, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 10: 1, 11: 0.010, 12: 0.002, 13: 0,
    20: 0, 21: 0, 22: 0, 23: 0, 24: 25.0, 25: 500.0, 26: 250, 27: 1.0, 30: 1000, 31: 0, 32: 0,
    100: 250.0, 101: 250.0, 102: 250.0, 110: 500.0, 111: 500.0, 112: 500.0,
    120: 10.0, 121: 10.0, 122: 10.0, 130: 200.0, 131: 200.0, 132: 200.0,
}  # fmt: skip
#: settings GRBL prints without decimals
_INTEGER = {0, 1, 2, 3, 4, 5, 6, 10, 13, 20, 21, 22, 23, 26, 30, 31, 32}


def merged(overrides: Mapping[int, float] | None) -> dict[int, float]:
    """Defaults with ``overrides`` on top; an unknown key is a programming error (``KeyError``)."""
    settings = dict(DEFAULT_SETTINGS)
    for key, value in (overrides or {}).items():
        if key not in settings:
            raise KeyError(f"unknown GRBL setting ${key}; known: {sorted(settings)}")
        settings[key] = float(value)
    return settings


def dump(settings: Mapping[int, float]) -> list[str]:
    """The ``$$`` lines, in GRBL's order and number format."""
    return [f"${k}={int(v) if k in _INTEGER else f'{v:.3f}'}" for k, v in sorted(settings.items())]


def store_error(settings: Mapping[int, float], key: int, value: float) -> int | None:
    """The ``error:N`` GRBL answers to ``$key=value``, or ``None`` if it is accepted."""
    if key not in settings:
        return 3
    if value < 0:
        return 4
    if key == 0 and value < 3:
        return 6
    if key == 20 and value and not settings[22]:
        return 10
    return None


def store(settings: dict[int, float], key: int, value: float) -> None:
    """Apply an accepted ``$key=value``; like GRBL, turning homing off turns soft limits off."""
    settings[key] = int(value) if key in _INTEGER else value
    if key == 22 and not value:
        settings[20] = 0
