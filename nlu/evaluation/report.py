"""The evaluation summary as a terminal report."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

HEADLINE = (
    ("in_scope_intent_accuracy", "In-scope intent accuracy (top intent)"),
    ("in_scope_answered_correctly", "In-scope answered correctly (after gating)"),
    ("out_of_scope_rejected", "Out-of-scope rejected"),
    ("out_of_scope_answered_with_faq", "Out-of-scope answered with an FAQ"),
    ("confident_wrong_of_all", "Confident wrong answers (of all messages)"),
)


def show_evaluation(report: dict[str, Any], console: Console) -> None:
    """Headline rates, per-intent precision/recall, the most frequent confusions."""
    console.print(
        f"[bold]{report['messages']}[/] messages "
        f"({report['in_scope']} in scope, {report['out_of_scope']} out of scope); "
        f"actions: {report['actions']}"
    )
    sets = report.get("per_set", {})
    names = list(sets) if len(sets) > 1 else []
    headline = Table("metric", *names, "all" if names else "value", title="Headline")
    for key, label in HEADLINE:
        headline.add_row(label, *(f"{sets[name][key]:.1%}" for name in names), f"{report[key]:.1%}")
    console.print(headline)
    intents = Table("intent", "support", "precision", "recall", title="Per intent")
    for intent, scores in report["per_intent"].items():
        intents.add_row(
            intent, str(scores["support"]), f"{scores['precision']:.0%}", f"{scores['recall']:.0%}"
        )
    console.print(intents)
    confusions = Table("expected", "predicted", "count", title="Confusions")
    for row in report["confusions"][:15]:
        confusions.add_row(row["expected"], row["predicted"], str(row["count"]))
    console.print(confusions)
