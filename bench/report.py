"""The benchmark's figures: per run, the throughputs, latencies and their ratios to the
references; over the runs, the medians; checked against the targets of issue 9, written as
JSON, a chart (throughput bars, latency CDFs) and a console table."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from bench.driver import percentile

if TYPE_CHECKING:
    from bench.run import Run


def run_figures(run: Run) -> dict[str, float]:
    """One run's throughputs (per second), latencies (ms) and delivery counts."""
    p = run.phases
    return {
        "r1_parses_per_s": run.r1["1"],
        "r1_two_replicas_parses_per_s": run.r1["2"],
        "ack_per_s": p["ack-max"].per_second,
        "ack_p99_ms_at_rate": 1000 * percentile(p["ack-rate"].ack, 0.99),
        "ack_rate_reached_per_s": p["ack-rate"].per_second,
        "unique_replies_per_s": p["unique-1"].per_second,
        "unique_two_replicas_replies_per_s": p["unique-2"].per_second,
        "zipf_replies_per_s": p["zipf"].per_second,
        "zipf_half_load_p95_ms": 1000 * percentile(p["zipf-half-load"].end_to_end, 0.95),
        "unique_p99_ms": 1000 * percentile(p["unique-1"].end_to_end, 0.99),
        "r2_replies_per_s": p["r2"].per_second,
        "r2_p99_ms": 1000 * percentile(p["r2"].end_to_end, 0.99),
        "lost": float(sum(phase.lost for phase in p.values())),
        "duplicates": float(sum(phase.duplicates for phase in p.values())),
    }


def run_ratios(f: dict[str, float]) -> dict[str, float]:
    """The ratios the targets are stated in, within one run."""
    return {
        "ack_vs_r1": f["ack_per_s"] / f["r1_parses_per_s"],
        "unique_vs_r1": f["unique_replies_per_s"] / f["r1_parses_per_s"],
        "zipf_vs_r1": f["zipf_replies_per_s"] / f["r1_parses_per_s"],
        "ours_vs_r2": f["unique_replies_per_s"] / f["r2_replies_per_s"],
        "two_vs_one_replica": f["unique_two_replicas_replies_per_s"] / f["unique_replies_per_s"],
        "r1_two_vs_one_replica": f["r1_two_replicas_parses_per_s"] / f["r1_parses_per_s"],
    }


@dataclass(frozen=True)
class Target:
    """One stated target: a figure, how it must compare, and the bound."""

    label: str
    key: str
    holds: Callable[[float], bool]
    bound: str


TARGETS = (
    Target("1 acknowledgements/s vs R1 parses/s", "ack_vs_r1", lambda v: v >= 20, ">= 20x"),
    Target("1 p99 acknowledgement at 500/s", "ack_p99_ms_at_rate", lambda v: v <= 20, "<= 20 ms"),
    Target("2 unique texts: replies/s vs R1", "unique_vs_r1", lambda v: v >= 0.9, ">= 0.9x"),
    Target("3 Zipf mix: replies/s vs R1", "zipf_vs_r1", lambda v: v >= 3, ">= 3x"),
    Target(
        "3 p95 end to end at half load", "zipf_half_load_p95_ms", lambda v: v <= 300, "<= 300 ms"
    ),
    Target("4 replies/s vs R2", "ours_vs_r2", lambda v: v >= 2, ">= 2x"),
    Target("4 p99 end to end: ours minus R2", "p99_vs_r2_ms", lambda v: v < 0, "< 0 ms"),
    Target("5 one worker's RSS", "worker_rss_mb", lambda v: v <= 150, "<= 150 MB"),
    Target("5 lost + duplicate replies", "lost_or_twice", lambda v: v == 0, "= 0"),
    Target(
        "scale: 2 vs 1 Rasa replicas, ours", "two_vs_one_replica", lambda v: v >= 1.4, ">= 1.4x"
    ),
)


@dataclass(frozen=True)
class Figures:
    """Everything the benchmark reports."""

    runs: list[dict[str, float]]
    ratios: list[dict[str, float]]
    worker_rss_mb: float
    conversations: int
    latencies_ms: dict[str, list[float]]  # pooled over the runs, for the CDF

    @classmethod
    def of(cls, runs: Sequence[Run], worker_rss_mb: float, conversations: int) -> Figures:
        figures = [run_figures(run) for run in runs]

        def pooled(name: str, attribute: str = "end_to_end") -> list[float]:
            return [1000 * v for run in runs for v in getattr(run.phases[name], attribute)]

        return cls(
            runs=figures,
            ratios=[run_ratios(f) for f in figures],
            worker_rss_mb=worker_rss_mb,
            conversations=conversations,
            latencies_ms={
                "R1 parse (raw Rasa)": [1000 * v for run in runs for v in run.r1_latency],
                "ours, unique texts": pooled("unique-1"),
                "ours, Zipf mix at half load": pooled("zipf-half-load"),
                "R2 (Rasa's Telegram bot)": pooled("r2"),
            },
        )

    def median(self, key: str) -> float:
        """The median over the runs of a figure or a ratio (or a single measurement)."""
        if key == "worker_rss_mb":
            return self.worker_rss_mb
        if key == "lost_or_twice":
            return sum(f["lost"] + f["duplicates"] for f in self.runs)
        if key == "p99_vs_r2_ms":
            return statistics.median(f["unique_p99_ms"] - f["r2_p99_ms"] for f in self.runs)
        source = self.ratios if key in self.ratios[0] else self.runs
        return statistics.median(entry[key] for entry in source)

    @property
    def delivered_exactly_once(self) -> bool:
        """No run lost a reply or sent one twice."""
        return self.median("lost_or_twice") == 0

    def as_json(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "ratios": self.ratios,
            "medians": {key: self.median(key) for key in (*self.runs[0], *self.ratios[0])},
            "worker_rss_mb": self.worker_rss_mb,
            "conversations_for_rss": self.conversations,
            "targets": {
                t.label: {
                    "value": self.median(t.key),
                    "bound": t.bound,
                    "met": t.holds(self.median(t.key)),
                }
                for t in TARGETS
            },
        }


def write_table(figures: Figures, console: Console) -> None:
    """The targets with their medians, met or not."""
    table = Table(title=f"servicebot vs R1/R2: medians of {len(figures.runs)} runs")
    for column in ("target", "median", "bound", "met"):
        table.add_column(column)
    for target in TARGETS:
        value = figures.median(target.key)
        met = "[green]yes[/]" if target.holds(value) else "[red]no[/]"
        table.add_row(target.label, f"{value:.2f}", target.bound, met)
    console.print(table)


def write_chart(figures: Figures, path: Path) -> None:
    """Throughput bars (medians) beside the end-to-end latency CDFs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = {
        "R1 parse\n1 replica": "r1_parses_per_s",
        "R1 parse\n2 replicas": "r1_two_replicas_parses_per_s",
        "ours\nunique": "unique_replies_per_s",
        "ours unique\n2 replicas": "unique_two_replicas_replies_per_s",
        "ours\nZipf mix": "zipf_replies_per_s",
        "R2\nunique": "r2_replies_per_s",
    }
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    values = [figures.median(key) for key in bars.values()]
    left.bar(list(bars), values, color=["#999", "#bbb", "#1f77b4", "#6baed6", "#08519c", "#d62728"])
    for x, value in enumerate(values):
        left.annotate(f"{value:.0f}", (x, value), ha="center", va="bottom")
    left.set_ylabel("replies (or parses) per second")
    left.set_title(f"Throughput, median of {len(figures.runs)} runs")
    for label, latencies in figures.latencies_ms.items():
        ordered = sorted(latencies)
        if ordered:
            share = [(n + 1) / len(ordered) for n in range(len(ordered))]
            right.plot(ordered, share, label=label)
    right.set_xscale("log")
    right.set_xlabel("latency, ms (log scale)")
    right.set_ylabel("share of messages")
    right.set_title("End-to-end latency CDF")
    right.legend(loc="lower right")
    right.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
