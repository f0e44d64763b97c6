"""Stop strings applied to a text stream, for backends that cannot apply them themselves."""
from __future__ import annotations


class StopScanner:
    """Cuts a chunk stream before the first stop string.

    A stop string can straddle two chunks, so the scanner holds back only the tail that could still
    begin one; everything else goes out at once.

    >>> scan = StopScanner(("。",))
    >>> scan.feed("您好"), scan.feed("，请稍等。再见"), scan.stopped
    ('您好', '，请稍等', True)
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.pending = ""
        self.stopped = False

    def feed(self, chunk: str) -> str:
        """The part of ``chunk`` (with what was held back) that is safe to emit now."""
        if self.stopped:
            return ""
        text = self.pending + chunk
        hits = [i for i in (text.find(s) for s in self.stops) if i >= 0]
        if hits:
            self.stopped, self.pending = True, ""
            return text[:min(hits)]
        hold = max((k for s in self.stops for k in range(1, len(s)) if text.endswith(s[:k])), default=0)
        self.pending = text[len(text) - hold:] if hold else ""
        return text[:len(text) - hold]

    def flush(self) -> str:
        """What was held back, once the stream has ended without a stop string."""
        tail, self.pending = ("" if self.stopped else self.pending), ""
        return tail
