"""Faults the simulated service can be told to inject, switchable at run time through its control endpoint."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any

FAULT_KINDS = ("error", "drop", "unsigned", "bad_signature", "replay")
MAX_LATENCY_MS = 60_000


class InvalidFaults(ValueError):
    """A fault setting is unknown or out of range."""


@dataclass
class Faults:
    """Per-request probabilities (0..1) of each fault, and added latency in milliseconds.

    error: answer 503; drop: close the connection without an answer; unsigned: send the answer without
    a signature; bad_signature: sign with a key that is not the pinned one; replay: send an earlier signed
    answer (bound to an earlier request) instead of a fresh one.
    """

    latency_ms: int = 0
    error: float = 0.0
    drop: float = 0.0
    unsigned: float = 0.0
    bad_signature: float = 0.0
    replay: float = 0.0

    def update(self, settings: dict[str, Any]) -> None:
        """Apply ``settings`` (a subset of the fields); reject unknown names and out-of-range values whole."""
        known = {field.name for field in fields(self)}
        unknown = set(settings) - known
        if unknown:
            raise InvalidFaults(f"unknown fault(s): {', '.join(sorted(unknown))}")
        for name, value in settings.items():
            if name == "latency_ms":
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LATENCY_MS:
                    raise InvalidFaults(f"latency_ms must be an integer 0..{MAX_LATENCY_MS}")
            elif not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
                raise InvalidFaults(f"{name} must be a probability 0..1")
        for name, value in settings.items():
            setattr(self, name, value)

    def clear(self) -> None:
        """Switch every fault off."""
        self.update({field.name: field.default for field in fields(self)})

    def draw(self, rng: random.Random) -> str | None:
        """Which fault, if any, strikes this request."""
        for kind in FAULT_KINDS:
            probability = getattr(self, kind)
            if probability and rng.random() < probability:
                return kind
        return None

    def as_dict(self) -> dict[str, Any]:
        """The current settings."""
        return asdict(self)
