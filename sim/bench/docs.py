"""The documents written from a bench report: the performance table of ``docs/performance.md`` and the
arithmetic of ``docs/scale.md``, so that no measured number in them is typed by hand.

``alliance-sim bench --json > docs/bench.json`` stores a report; ``python scripts/perf_table.py``
renders it into the blocks between ``<!-- perf:start -->`` and ``<!-- perf:end -->`` of
docs/performance.md and between ``<!-- scale:start -->`` and ``<!-- scale:end -->`` of docs/scale.md.
A test renders ``docs/bench.json`` again and compares, so an edited figure fails it.
"""

from __future__ import annotations

import math
from typing import Any

from sim.bench.measure import Figure, figures_of, machine_text, shown, verdict

#: The stored bench report, from the repository root.
BENCH_JSON = "docs/bench.json"
#: The run the scale arithmetic is for.
SCALE_DRAWS = 10**10
CLUSTER_WORKERS = (16, 64, 256, 1024)


def block(text: str, name: str) -> str:
    """The text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` (each on its own line)."""
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"expected one '{start.strip()}' line followed by one '{end}' line")
    return text[text.index(start) + len(start): text.index(end)]


def with_block(text: str, name: str, content: str) -> str:
    """``text`` with the block ``name`` replaced by ``content``."""
    old = block(text, name)
    head = text.index(f"<!-- {name}:start -->\n") + len(f"<!-- {name}:start -->\n")
    return text[:head] + content + text[head + len(old):]


def provenance(report: dict[str, Any]) -> str:
    return (f"Measured by `alliance-sim bench` on {report['date']}: {machine_text(report['machine'])} "
            f"(the stored report is `{BENCH_JSON}`).")


def perf_table(report: dict[str, Any]) -> str:
    """The performance block of docs/performance.md: provenance line and one table row per figure."""
    lines = [provenance(report), "", "| figure | size | measured | target |", "|---|---:|---|---|"]
    lines += [f"| {_cell(f.label)} | {f.size:,} | {_cell(shown(f))} | {verdict(f).removeprefix('target ')} |"
              for f in figures_of(report)]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def scale_arithmetic(report: dict[str, Any]) -> str:
    """The cost of a 10^10-draw summary run on a cluster, worked out from the measured figures."""
    f = {x.name: x for x in figures_of(report)}
    rate, source = _per_core_rate(f)
    core_seconds = SCALE_DRAWS / rate
    speedup = f.get("workers_2_speedup")
    efficiency = speedup.value / 2 if speedup and speedup.value else None
    lines = [provenance(report), "",
             f"- **Per-core rate**: {rate:,.0f} draws per second ({source}). 10^10 draws are "
             f"{_duration(core_seconds)} of one core ({core_seconds / 3600:,.1f} core-hours)."]
    if efficiency is None:
        lines.append("- **Parallel efficiency**: not measured in this report (the 2-worker figure is not "
                     "available), so the times below assume every worker runs at the per-core rate.")
        efficiency = 1.0
    else:
        lines.append(f"- **Parallel efficiency**: 2 local workers ran {speedup.value:.2f}x as fast as one "
                     f"single-threaded process at {speedup.size:,} draws, {efficiency:.0%} per worker; the "
                     "times below assume the same on a cluster.")
        ceiling = f.get("machine_2_process_scaling")
        if ceiling is not None and ceiling.value:
            share = speedup.value / ceiling.value
            lines.append(f"  The machine itself gave two processes {ceiling.value:.2f}x the work of one "
                         f"(the floor drawn at once), so the workers reached {share:.0%} of what its cores "
                         "allowed. On a cluster whose cores do not slow each other down, a worker would run "
                         f"at about {share:.0%} of a core, and the times below would be about "
                         f"{efficiency / share:.0%} of those shown.")
    lines += ["", "| single-threaded workers | wall time |", "|---:|---|"]
    lines += [f"| {w:,} | {_duration(core_seconds / (w * efficiency))} |" for w in CLUSTER_WORKERS]
    lines += ["", *_memory_lines(f), *_traffic_lines(f, report.get("task_rows"))]
    return "\n".join(lines) + "\n"


def _per_core_rate(f: dict[str, Figure]) -> tuple[float, str]:
    core = f.get("per_core_rate")
    if core is not None and core.value:
        return core.value, f"`alliance-sim run --threads 1` at {core.size:,} draws, SPE, summary run"
    one = f["spe_1_thread"]
    return one.size / one.value, f"`sim.run(..., threads=1)` at {one.size:,} draws, SPE"


def _memory_lines(f: dict[str, Figure]) -> list[str]:
    small, scale = f["peak_rss"], f["peak_rss_scale"]
    if scale.value is None:
        return [f"- **Memory per worker**: not available ({scale.not_available})."]
    if f["accumulator_bytes"].value is None:
        return [f"- **Memory per worker**: this build keeps every draw (peak RSS {small.value:,.0f} MiB at "
                f"{small.size:,} draws, {scale.value:,.0f} MiB at {scale.size:,}), so memory grows with the "
                "draws: a 10^10-draw run needs summary runs."]
    return [f"- **Memory per worker**: a summary run keeps no per-draw data; its peak RSS was "
            f"{scale.value:,.0f} MiB at {scale.size:,} draws ({small.value:,.0f} MiB at {small.size:,}), and "
            "a worker holds one task's chunks at a time, so each needs about that whatever the run's size."]


def _traffic_lines(f: dict[str, Figure], task_rows: int | None) -> list[str]:
    per_draw, acc = f["per_draw_bytes"], f.get("accumulator_bytes")
    lines = [f"- **Network, per-draw arrays**: {per_draw.value:,.0f} bytes per draw, so "
             f"{_bytes(per_draw.value * SCALE_DRAWS)} shipped to the client for 10^10 draws "
             "(and held there)."]
    if acc is None or acc.value is None:
        lines.append(f"- **Network, accumulators**: not available "
                     f"({acc.not_available if acc else 'not measured'}).")
    elif task_rows:
        tasks = math.ceil(SCALE_DRAWS / task_rows)
        lines.append(f"- **Network, accumulators**: {acc.value:,.0f} bytes per task whatever its draws; at "
                     f"{task_rows:,} draws per task that is {tasks:,} tasks and {_bytes(tasks * acc.value)} "
                     "in all.")
    else:
        lines.append(f"- **Network, accumulators**: {acc.value:,.0f} bytes per task whatever its draws.")
    return lines


def _duration(seconds: float) -> str:
    for unit, size, least in (("days", 86_400, 2), ("h", 3_600, 1), ("min", 60, 1)):
        if seconds >= least * size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:,.0f} s"


def _bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:,.1f} {unit}"
    return f"{n:,.0f} bytes"


#: Each generated block: its document and renderer (paths from the repository root).
DOCUMENTS = {"perf": ("docs/performance.md", perf_table), "scale": ("docs/scale.md", scale_arithmetic)}
