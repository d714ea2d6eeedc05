"""`make bench`: our bot against the raw Rasa server (R1) and Rasa's own Telegram bot (R2),
side by side in one run, with the same texts and concurrency, repeated; ratios are taken
within each run and their median reported. Results: bench/results/latest.json and
chart.png, and a table on the console."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import aiohttp
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.driver import LoadDriver, Phase, Target
from bench.r2.reference import rasa_telegram_bot
from bench.report import Figures, write_chart, write_table
from bench.stack import WEBHOOK_SECRET, BenchStack, bench_stack, free_port, rss_megabytes
from bench.texts import corpus
from bot.settings import REPO_ROOT, Settings

RESULTS = REPO_ROOT / "bench" / "results"
WORK_DIR = REPO_ROOT / "var" / "bench"


@dataclass(frozen=True)
class Plan:
    """How much each phase sends; `quick` is for trying the benchmark out, not for figures."""

    concurrency: int = 8  # customers writing at once (closed loop)
    unique: int = 150
    zipf: int = 450
    r1: int = 200
    ack: int = 1500
    ack_rate: float = 500.0
    ack_at_rate: int = 2500
    half_load_seconds: float = 20.0
    conversations: int = 10_000  # for the worker's memory
    workers: int = 2

    @classmethod
    def quick(cls) -> Plan:
        """A few seconds per phase."""
        return cls(
            unique=48,
            zipf=90,
            r1=60,
            ack=300,
            ack_at_rate=500,
            half_load_seconds=5.0,
            conversations=1000,
        )


@dataclass
class Run:
    """One run's phases by name."""

    phases: dict[str, Phase] = field(default_factory=dict)
    r1: dict[str, float] = field(default_factory=dict)  # parses/s by replica count
    r1_latency: list[float] = field(default_factory=list)

    def add(self, phase: Phase) -> Phase:
        self.phases[phase.name] = phase
        return phase


async def r1_parses(
    http: aiohttp.ClientSession, urls: Sequence[str], texts: Sequence[str], concurrency: int
) -> tuple[float, list[float]]:
    """R1: the raw Rasa servers' /model/parse, `concurrency` requests at once (spread over
    the servers in turn); parses per second and each parse's latency."""
    queue = iter(enumerate(texts))
    latencies: list[float] = []

    async def client() -> None:
        for n, text in queue:
            started = time.perf_counter()
            url = f"{urls[n % len(urls)]}/model/parse"
            async with http.post(url, json={"text": text}) as answer:
                answer.raise_for_status()
                await answer.read()
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies


async def one_run(
    stack: BenchStack,
    driver: LoadDriver,
    http: aiohttp.ClientSession,
    r2: Target,
    plan: Plan,
    seed: int,
    step: Callable[[str], None],
) -> Run:
    """Every phase once, references and ours interleaved so machine noise hits them alike."""
    texts = corpus()
    run = Run()
    unique = texts.unique(plan.unique, seed)
    ours = Target("ours", stack.webhook_url, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})

    step("R1: raw Rasa /model/parse, one replica")
    run.r1["1"], run.r1_latency = await r1_parses(
        http, stack.rasa_urls[:1], texts.unique(plan.r1, seed + 1), plan.concurrency
    )
    step("R1: two replicas")
    run.r1["2"], _ = await r1_parses(
        http, stack.rasa_urls[:2], texts.unique(plan.r1, seed + 2), plan.concurrency
    )

    for replicas in (1, 2):
        await stack.ours(plan.workers, replicas)
        step(f"ours, {replicas} Rasa replica(s): unique texts, end to end")
        run.add(
            await driver.conversations(
                ours,
                f"unique-{replicas}",
                texts.unique(plan.unique, seed + 10 + replicas),
                plan.concurrency,
            )
        )
    step("ours: Zipf mix, end to end")
    zipf = run.add(
        await driver.conversations(ours, "zipf", texts.zipf(plan.zipf, seed + 20), plan.concurrency)
    )
    half = zipf.per_second / 2
    step(f"ours: Zipf mix at half that load ({half:.0f}/s), end to end")
    count = max(20, round(half * plan.half_load_seconds))
    phase, expected = await driver.acknowledgements(
        ours, "zipf-half-load", texts.zipf(count, seed + 21), half, plan.concurrency
    )
    await driver.settle(run.add(phase), expected, 120.0)
    step("ours: webhook acknowledgements, as fast as they go")
    phase, expected = await driver.acknowledgements(
        ours, "ack-max", texts.zipf(plan.ack, seed + 30), None, 32
    )
    await driver.settle(run.add(phase), expected, 300.0)
    step(f"ours: webhook acknowledgements at {plan.ack_rate:.0f}/s")
    phase, expected = await driver.acknowledgements(
        ours, "ack-rate", texts.zipf(plan.ack_at_rate, seed + 31), plan.ack_rate, 32
    )
    await driver.settle(run.add(phase), expected, 300.0)
    step("R2: Rasa's Telegram connector, unique texts, end to end")
    run.add(await driver.conversations(r2, "r2", unique, plan.concurrency))
    stack.standin.forget()
    return run


async def memory_of_a_worker(stack: BenchStack, driver: LoadDriver, plan: Plan) -> float:
    """One worker's RSS after `plan.conversations` customers each started a conversation."""
    await stack.ours(1, 1)
    ours = Target("ours", stack.webhook_url, {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    phase, expected = await driver.acknowledgements(
        ours, "conversations", corpus().zipf(plan.conversations, 99), None, 32
    )
    await driver.settle(phase, expected, 900.0)
    if phase.lost or phase.duplicates:
        raise RuntimeError(f"memory phase: {phase.lost} lost, {phase.duplicates} twice")
    return rss_megabytes(stack.workers[0].pid)


async def bench(runs: int, plan: Plan, console: Console) -> Figures:
    """Start the world, run `runs` times, measure the worker's memory, return the figures."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    root = WORK_DIR / time.strftime("%Y%m%d-%H%M%S")
    console.print(f"Benchmark world in {root} (logs in {root / 'logs'}).")
    steps = 9 * runs + 1
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    async with (
        bench_stack(root, settings, rasa_replicas=2) as stack,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
    ):
        r2_port = free_port()
        async with rasa_telegram_bot(
            WORK_DIR / "r2", stack.standin_url, r2_port, settings.rasa_executable, console=console
        ) as r2_webhook:
            r2 = Target("R2", r2_webhook, parts=None)
            driver = LoadDriver(stack.standin, http)
            results: list[Run] = []
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("starting", total=steps)

                def step(description: str) -> None:
                    progress.update(task, description=description, advance=1)
                    if not console.is_terminal:  # a log file gets one line per step
                        console.print(f"[{time.strftime('%H:%M:%S')}] {description}")

                for n in range(runs):
                    results.append(await one_run(stack, driver, http, r2, plan, 100 * n, step))
                step(f"ours: one worker's memory with {plan.conversations} conversations")
                memory = await memory_of_a_worker(stack, driver, plan)
    return Figures.of(results, memory, plan.conversations)


def main(
    runs: int = typer.Option(3, help="Repetitions; ratios are taken per run, medians reported."),
    quick: bool = typer.Option(False, help="Small phases, to try the benchmark out."),
) -> None:
    """Run the benchmark and write bench/results/."""
    console = Console()
    plan = Plan.quick() if quick else Plan()
    figures = asyncio.run(bench(runs, plan, console))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures.as_json(), indent=2) + "\n")
    write_chart(figures, RESULTS / "chart.png")
    write_table(figures, console)
    console.print(f"Results: {RESULTS / 'latest.json'}, chart: {RESULTS / 'chart.png'}")
    if not figures.delivered_exactly_once:
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)
