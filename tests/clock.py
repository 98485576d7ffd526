"""A clock a test moves by hand, for stores that measure expiry on an injected clock."""

import time


class ManualClock:
    """Seconds since the epoch, starting now and moving only when `advance` is called."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass."""
        self.now += seconds


def let_pass(store: object, seconds: float) -> None:
    """Let `seconds` pass for `store`: a store on a manual clock moves at once; Redis keeps
    its own clock (the server's), so for it the time is waited out."""
    clock = getattr(store, "clock", None)
    if isinstance(clock, ManualClock):
        clock.advance(seconds)
    else:
        time.sleep(seconds)
