"""An asyncio event loop on virtual time, for the scheduler's tests and simulation.

Real asyncio, real `aiolimiter`, real `asyncio.wait(timeout=...)`, but whenever the loop
would block waiting for a timer, its clock jumps to that timer instead: an hour of simulated
traffic runs in the time its Python code takes. Waiting on real I/O or threads is not
supported (nothing would wake the loop): the loop raises rather than hang.

    loop = VirtualTimeLoop()
    scheduler = Scheduler(providers, clock=loop.time)
    loop.run_until_complete(main())
"""

from __future__ import annotations

import asyncio
import math
import selectors
from collections.abc import Coroutine, Mapping
from typing import Any, TypeVar

__all__ = ["VirtualTimeLoop", "run_virtual"]

T = TypeVar("T")
FileObject = int | Any  # selectors' private `_FileObject` (a file descriptor or an object)


class _VirtualSelector(selectors.BaseSelector):
    """Polls the real selector without blocking; a wait becomes a jump of the clock."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._real = selectors.DefaultSelector()
        self._loop = loop

    def register(self, fileobj: FileObject, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: FileObject) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._real.select(0)
        if ready:
            return ready
        if timeout is None:
            raise RuntimeError("virtual time: nothing scheduled and nothing ready (deadlock)")
        # Like a real clock, time moves on every turn of the loop, if only by one float step:
        # a timer set a rounding error ahead (aiolimiter computes some) is then reached.
        self._loop.advance(timeout)
        return []

    def close(self) -> None:
        self._real.close()

    def get_map(self) -> Mapping[FileObject, selectors.SelectorKey]:
        return self._real.get_map()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        super().__init__(selector=_VirtualSelector(self))

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock on by `seconds`, and always by at least one float step."""
        self._now = max(self._now + max(seconds, 0.0), math.nextafter(self._now, math.inf))


def run_virtual(main: Coroutine[Any, Any, T], loop: VirtualTimeLoop | None = None) -> T:
    """Run `main` to completion on a (new) virtual-time loop, then close it."""
    loop = loop or VirtualTimeLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
