"""Counters, histograms and gauges in Prometheus's text exposition format (version 0.0.4), the
few that `/metrics` serves, without prometheus_client (issue 20: with what it imports, about
1.3 MiB of a 55 MiB process for five counters and two histograms).

The format, as Prometheus documents it ("Exposition formats", text-based format): a `# HELP`
and a `# TYPE` line per family, then one sample per line, `name{label="value"} number`; in
HELP text a backslash and a line feed are escaped, in a label value a double quote too.
A counter's samples end in `_total`; a histogram has cumulative `_bucket{le="…"}` samples
ending with `le="+Inf"`, then `_count` and `_sum`. The tests read what this writes with
prometheus_client's own parser, and a real Prometheus scrapes it (tests/e2e)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = tuple[tuple[str, str], ...]


def number(value: float) -> str:
    """A sample's value as Prometheus writes it: `1.0`, `+Inf`, `NaN`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def sample(name: str, labels: Labels, value: float) -> str:
    """One sample line."""
    if not labels:
        return f"{name} {number(value)}"
    shown = ",".join(f'{key}="{_label_value(text)}"' for key, text in labels)
    return f"{name}{{{shown}}} {number(value)}"


def family(name: str, kind: str, help_text: str, lines: Iterable[str]) -> Iterator[str]:
    """A family's HELP and TYPE lines, then its samples."""
    yield f"# HELP {name} {_help(help_text)}"
    yield f"# TYPE {name} {kind}"
    yield from lines


class Counter:
    """A counter per label set; `labels(...)` makes a set appear (at 0) before its first
    increment, so a scrape shows every series from the start."""

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labelnames)
        self._values: dict[Labels, float] = {}
        if not self.labelnames:
            self._values[()] = 0.0

    def labels(self, **values: str) -> _CounterSeries:
        """The series of these label values (all of the counter's labels, no others)."""
        key = _key(self.labelnames, values)
        self._values.setdefault(key, 0.0)
        return _CounterSeries(self, key)

    def inc(self, amount: float = 1.0, key: Labels = ()) -> None:
        """Add `amount` (never negative) to one series."""
        if amount < 0:
            raise ValueError("a counter only goes up")
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **values: str) -> float:
        """The series' count (0 when it never appeared)."""
        return self._values.get(_key(self.labelnames, values), 0.0)

    def lines(self) -> Iterator[str]:
        """The family in the text format."""
        name = f"{self.name}_total"
        samples = (sample(name, key, value) for key, value in self._values.items())
        return family(name, "counter", self.help, samples)


class _CounterSeries:
    def __init__(self, counter: Counter, key: Labels) -> None:
        self._counter = counter
        self._key = key

    def inc(self, amount: float = 1.0) -> None:
        self._counter.inc(amount, self._key)


class Histogram:
    """Observations per label set, counted into cumulative buckets."""

    def __init__(
        self, name: str, help_text: str, labelnames: Sequence[str], buckets: Sequence[float]
    ) -> None:
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labelnames)
        self.buckets = tuple(sorted(float(b) for b in buckets))
        self._series: dict[Labels, _HistogramSeries] = {}

    def labels(self, **values: str) -> _HistogramSeries:
        """The series of these label values (it appears, empty, from now on)."""
        key = _key(self.labelnames, values)
        return self._series.setdefault(key, _HistogramSeries(self.buckets))

    def lines(self) -> Iterator[str]:
        """The family in the text format: buckets, `+Inf`, count and sum per series."""
        return family(self.name, "histogram", self.help, self._samples())

    def _samples(self) -> Iterator[str]:
        for key, series in self._series.items():
            running = 0
            for bound, count in zip(self.buckets, series.counts, strict=True):
                running += count
                yield sample(f"{self.name}_bucket", (*key, ("le", number(bound))), running)
            yield sample(f"{self.name}_bucket", (*key, ("le", "+Inf")), series.count)
            yield sample(f"{self.name}_count", key, series.count)
            yield sample(f"{self.name}_sum", key, series.total)


class _HistogramSeries:
    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        # Each observation counts in the first bucket that holds it; cumulated when written.
        self.counts = [0] * len(bounds)
        self.count = 0
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        index = bisect.bisect_left(self.bounds, value)  # `le`: a bound holds what equals it
        if index < len(self.bounds):
            self.counts[index] += 1


def _key(names: tuple[str, ...], values: dict[str, str]) -> Labels:
    if set(values) != set(names):
        raise ValueError(f"labels {sorted(values)} given; this family's are {list(names)}")
    return tuple((name, str(values[name])) for name in names)


def gauge(name: str, help_text: str, samples: Iterable[tuple[Labels, float]]) -> Iterator[str]:
    """A gauge family of samples read just now."""
    return family(name, "gauge", help_text, (sample(name, k, v) for k, v in samples))


def counter(name: str, help_text: str, value: float) -> Iterator[str]:
    """A counter family of one sample kept elsewhere (named with its `_total`)."""
    return family(f"{name}_total", "counter", help_text, [sample(f"{name}_total", (), value)])


def render(families: Iterable[Iterable[str]]) -> bytes:
    """The whole exposition: every family's lines, then a final line feed."""
    return ("\n".join(line for lines in families for line in lines) + "\n").encode()
