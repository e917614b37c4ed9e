"""Run a sweep's design points in-process, in local processes, or on Dask (a LocalCluster by default, or a
running scheduler with ``scheduler="tcp://host:port"``), storing each result as it arrives.

The main process is the only writer of the store. Points already in the store are skipped, so a killed
sweep resumes where it stopped. Everything that can be wrong with the input (spec, axes, networks, the
scheduler address) is checked before the store is created or touched.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from accelsim.dse.evaluate import evaluate_chunk
from accelsim.dse.spec import DesignPoint, SweepSpec, expand
from accelsim.dse.store import ResultStore
from accelsim.errors import AccelsimInputError

Runner = Literal["serial", "processes", "dask"]


@dataclass
class SweepOutcome:
    total: int
    skipped: int
    evaluated: int
    elapsed_s: float

    @property
    def points_per_minute(self) -> float:
        return 60.0 * self.evaluated / self.elapsed_s if self.elapsed_s else math.inf


def feasible(spec: SweepSpec, metrics: dict[str, Any]) -> bool:
    """Whether ``metrics`` meet the spec's constraints (a NaN metric never meets a bound on it)."""
    if metrics.get("fits_device") is False:  # a pipelined design over its FPGA's budget
        return False
    c = spec.constraints
    checks = ((c.area_mm2_max, "area_mm2"), (c.power_w_max, "power_w"), (c.latency_s_max, "latency_s"))
    for bound, name in checks:
        if bound is not None:
            value = metrics.get(name, math.nan)
            if not (value <= bound):  # NaN fails
                return False
    return True


def _chunks(points: list[DesignPoint], size: int) -> list[list[DesignPoint]]:
    return [points[i : i + size] for i in range(0, len(points), size)]


def _serial(chunks: list[list[DesignPoint]]) -> Iterator[list[tuple[str, dict]]]:
    for chunk in chunks:
        yield evaluate_chunk(chunk)


def _processes(chunks: list[list[DesignPoint]], workers: int) -> Iterator[list[tuple[str, dict]]]:
    """Chunks in a local process pool. Interrupted (Ctrl-C) or closed early, the pool is not drained:
    queued chunks are cancelled and the workers terminated at once (stored points stay stored)."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    try:
        futures = [pool.submit(evaluate_chunk, c) for c in chunks]
        for fut in as_completed(futures):
            yield fut.result()
    except BaseException:  # KeyboardInterrupt, GeneratorExit (consumer stopped), a worker's error
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.join(timeout=2.0)
        raise
    pool.shutdown(wait=True)


def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which cancels the pool and terminates them (a worker that
    caught it itself would report it as the chunk's error and carry on)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(scheduler: str) -> None:
    """``scheme://host:port`` with a Dask comm scheme, else a one-line error naming --scheduler."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(scheduler)
        port = parts.port
    except ValueError:
        port = None
        parts = None
    if parts is None or parts.scheme not in SCHEDULER_SCHEMES or not parts.hostname or port is None:
        raise AccelsimInputError(
            "scheduler",
            f"expected an address like tcp://host:8786 (schemes: {', '.join(SCHEDULER_SCHEMES)}), got {scheduler!r}",
        )


def _client_within(scheduler: str, timeout_s: float):
    """``Client(scheduler)``, or TimeoutError after ``timeout_s`` + 2 s: a server that accepts the connection
    but never completes Dask's handshake (an HTTP server, say) would otherwise block forever. The attempt
    runs in a daemon thread, so an abandoned one cannot keep the process alive."""
    import threading

    from dask.distributed import Client

    box: dict[str, object] = {}

    def attempt() -> None:
        try:
            box["client"] = Client(scheduler, timeout=timeout_s)
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    t = threading.Thread(target=attempt, daemon=True, name="accelsim-dask-connect")
    t.start()
    t.join(timeout_s + 2.0)
    if t.is_alive():
        raise TimeoutError("no Dask handshake")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["client"]


def connect_dask(scheduler: str | None, workers: int, timeout_s: float = 5.0):
    """A dask.distributed Client: to ``scheduler`` if given (checked reachable), else a LocalCluster."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency
        raise AccelsimInputError(
            "runner", "dask is not installed; allowed runners: serial, processes"
        ) from None
    if scheduler:
        check_scheduler_address(scheduler)
        try:
            return _client_within(scheduler, timeout_s)
        except (OSError, TimeoutError) as exc:
            raise AccelsimInputError(
                "scheduler", f"cannot reach {scheduler} within {timeout_s:g} s ({exc})"
            ) from None
        except Exception as exc:  # a server that is not a Dask scheduler answers with anything at all
            raise AccelsimInputError(
                "scheduler", f"{scheduler} did not answer as a Dask scheduler ({type(exc).__name__})"
            ) from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster)


def _dask(chunks: list[list[DesignPoint]], client) -> Iterator[list[tuple[str, dict]]]:
    from dask.distributed import as_completed

    futures = client.map(evaluate_chunk, chunks, pure=False)
    for fut in as_completed(futures):
        yield fut.result()


def run_sweep(
    spec: SweepSpec,
    store_path: str | Path,
    runner: Runner = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    on_result: Callable[[str, dict], None] | None = None,
) -> SweepOutcome:
    """Evaluate every point of ``spec`` not yet in the store at ``store_path``."""
    if runner not in ("serial", "processes", "dask"):
        raise AccelsimInputError("runner", f"unknown {runner!r}; allowed: serial, processes, dask")
    if scheduler and runner != "dask":
        raise AccelsimInputError("scheduler", "only meaningful with --runner dask")
    if workers is not None and workers < 1:
        raise AccelsimInputError("workers", f"must be >= 1, got {workers}")
    points = expand(spec)  # validates everything about the spec
    workers = workers or 2
    client = connect_dask(scheduler, workers) if runner == "dask" else None
    start = time.perf_counter()
    store = ResultStore(store_path)
    try:
        done = store.done_keys()
        by_key = {p.key: p for p in points}
        pending = [p for p in by_key.values() if p.key not in done]
        skipped = len(by_key) - len(pending)
        size = chunk_size or max(1, min(64, math.ceil(len(pending) / (workers * 8)) if pending else 1))
        chunks = _chunks(pending, size)
        if runner == "serial":
            stream: Iterable = _serial(chunks)
        elif runner == "processes":
            stream = _processes(chunks, workers)
        else:
            stream = _dask(chunks, client)
        evaluated = 0
        with _progress(progress, len(pending), spec.name) as advance, _closing(stream):
            for results in stream:
                for key, metrics in results:
                    p = by_key[key]
                    store.add(key, spec.name, p.network, p.config(), metrics, feasible(spec, metrics))
                    if on_result:
                        on_result(key, metrics)
                    evaluated += 1
                advance(len(results))
        return SweepOutcome(len(by_key), skipped, evaluated, time.perf_counter() - start)
    finally:
        store.close()
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()


class _closing:
    """Close a generator stream on the way out (so an interrupted sweep stops its workers now, not at
    garbage collection)."""

    def __init__(self, stream: Iterable) -> None:
        self.stream = stream

    def __enter__(self) -> Iterable:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


class _progress:
    """Context manager yielding ``advance(n)``; a rich progress bar when enabled."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        self.enabled, self.total, self.label = enabled, total, label
        self._bar = None

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return lambda n: None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        # the spinner and elapsed time move while the workers' first points compile their kernels
        self._bar = Progress(SpinnerColumn(), "[progress.description]{task.description}", BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                             transient=True)  # fmt: skip
        self._bar.__enter__()
        task = self._bar.add_task(f"sweep {self.label}", total=self.total)
        return lambda n: self._bar.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
