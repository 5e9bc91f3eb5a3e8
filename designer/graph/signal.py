"""A tiny observer: the graph emits, views subscribe. No Qt here, so the core stays headless."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Signal:
    """`sig.connect(fn)`; `sig.emit(*args)` calls every subscriber in order of connection."""

    def __init__(self) -> None:
        self._slots: list[Callable[..., Any]] = []

    def connect(self, slot: Callable[..., Any]) -> None:
        if slot not in self._slots:
            self._slots.append(slot)

    def disconnect(self, slot: Callable[..., Any]) -> None:
        if slot in self._slots:
            self._slots.remove(slot)

    def emit(self, *args: Any) -> None:
        for slot in list(self._slots):
            slot(*args)
