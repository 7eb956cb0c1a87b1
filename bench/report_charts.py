"""The report's charts: which figures of the runs each one shows.

latency.svg   percentiles of the round trip, pool paths against bare clients
memory.svg    memory of the pool's Python processes per profile
scaling.svg   throughput against pool size, a panel per tool
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional

from report_svg import PALETTE, BarChart, Line, LinePanels, Panel

LATENCY_PATHS = {"native_pool_blocking": "native pool, blocking client",
                 "native_pool_actor": "native pool, actor caller",
                 "grpc_pool_blocking": "gRPC pool, blocking client",
                 "grpc_pool_actor": "gRPC pool, actor caller",
                 "bare_sync": "bare gRPC, sync stub",
                 "bare_native": "bare native worker",
                 "floor": "floor: one-thread framed loop"}
PERCENTILES = ["p10", "p50", "p90", "p99", "p99.9"]


def latency_chart(bench: dict[str, Any]) -> Optional[str]:
    lat = bench.get("latency")
    if not lat:
        return None
    paths = {p["key"]: p for p in lat["paths"]}
    keys = [k for k in LATENCY_PATHS if k in paths]
    return BarChart(
        title="Round-trip latency of ping: pools against bare clients",
        subtitle=(f"percentiles over all {lat['rounds']} rounds x "
                  f"{lat['calls']} sequential calls per path, same run, "
                  "same Python worker code"),
        groups=PERCENTILES,
        series=[LATENCY_PATHS[k] for k in keys],
        values=[[paths[k]["percentiles_us"].get(p) for p in PERCENTILES]
                for k in keys],
        unit="microseconds").render()


def memory_chart(profiles: dict[str, Any]) -> Optional[str]:
    comp = profiles.get("comparison")
    if not comp:
        return None
    rows = comp["memory"]
    series = [("Pss idle", "idle", "pss_mib"),
              ("Pss after load", "load", "pss_mib"),
              ("Private_Dirty idle", "idle", "dirty_mib"),
              ("Private_Dirty after load", "load", "dirty_mib")]
    return BarChart(
        title=f"Memory of the pool's Python processes at {comp['slots']} "
              "slots",
        subtitle=(f"sum over the processes, median of {comp['rounds']} "
                  "round(s); showcase adapter"),
        groups=[r["label"] for r in rows],
        series=[name for name, _, _ in series],
        values=[[r[when][field] for r in rows]
                for _, when, field in series],
        unit="MiB").render()


def _ideal(tool: dict[str, Any], cores: int,
           profile: str) -> Callable[[int], float]:
    """The ratio to size 1 that perfect scaling would give."""
    if tool["tool"] == "sleep":
        return lambda n: float(n)
    if tool["tool"] == "cpu_burn" and profile == "thread":
        return lambda n: 1.0
    return lambda n: float(min(n, cores))


def scaling_chart(profiles: dict[str, Any]) -> Optional[str]:
    sc = profiles.get("scaling")
    if not sc:
        return None
    sizes = sc["sizes"]
    cores = sc["cores"]
    panels = []
    for tool in sc["tools"]:
        by = {(p["profile"], p["size"]): p for p in tool["pools"]}

        def ys(profile: str) -> list[Optional[float]]:
            return [by[(profile, n)]["vs_size_1"] if (profile, n) in by
                    else None for n in sizes]

        ideal_p = [_ideal(tool, cores, "process")(n) for n in sizes]
        ideal_t = [_ideal(tool, cores, "thread")(n) for n in sizes]
        lines = [Line("process pool (N x 1)", ys("process"), PALETTE[0]),
                 Line("thread pool (1 x N)", ys("thread"), PALETTE[1])]
        if ideal_p == ideal_t:
            lines.append(Line("ideal, both", ideal_p, "#888888", True))
        else:
            lines += [Line("ideal, processes", ideal_p, PALETTE[0], True),
                      Line("ideal, threads", ideal_t, PALETTE[1], True)]
        base = by.get(("process", 1), {}).get("throughput")
        unit = tool["unit"]
        title = f"{tool['tool']} (size 1: {base:.0f} {unit})" if base else \
            tool["tool"]
        panels.append(Panel(title, lines))
    return LinePanels(
        title="Throughput against pool size, as a multiple of size 1",
        subtitle=(f"{sc['callers']} callers keep every slot busy; "
                  f"{sc['rounds']} round(s) of {sc['seconds']:g} s per tool "
                  f"and pool; {cores} cores; dashed: what perfect scaling "
                  "on them would give"),
        xs=[str(n) for n in sizes], x_label="slots (workers or threads)",
        y_label="throughput / size 1", panels=panels).render()


def write_all(runs: dict[str, dict[str, Any]], directory: str) -> list[str]:
    """Writes every chart the runs allow into `directory`; their names."""
    written = []
    for name, svg in (("latency.svg", latency_chart(runs.get("bench", {}))),
                      ("memory.svg", memory_chart(runs.get("profiles", {}))),
                      ("scaling.svg",
                       scaling_chart(runs.get("profiles", {})))):
        if svg is None:
            continue
        with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
            f.write(svg)
        written.append(name)
    return written
