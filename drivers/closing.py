"""``with`` support for any object with a ``close()``: the block gives the object and closes it at the end.

One mixin instead of the same ``__enter__``/``__exit__`` pair in every reader, channel, token and client.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self


class ClosesOnExit(ABC):
    """Mixin: ``with thing as same_thing:`` calls ``thing.close()`` when the block ends, however it ends."""

    __slots__ = ()

    @abstractmethod
    def close(self) -> None:
        """Release what the object holds (idempotent)."""

    def __enter__(self) -> Self:
        """The object itself."""
        return self

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the object; an exception from the block goes on."""
        self.close()
