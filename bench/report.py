#!/usr/bin/python3
"""Merges the benchmarks' JSON documents into one report.

    bench/report.py DIR [--mode M] [--suite-command CMD] [--elapsed S]
                        [--update-docs DOC] [--quiet]
    bench/report.py --check DIR

DIR holds the documents `--json PATH` of snakepit_bench, snakepit_profiles
and snakepit_lifecycle_bench wrote (scripts/bench-suite.sh names them
bench.json, profiles.json, lifecycle.json; any *.json with a known "tool"
counts). Writes DIR/report.json (every figure, the normalized sections and
the raw documents), DIR/report.md (a table per section, the machine, the
commands, the date) and the SVG charts, then prints report.md.
--update-docs DOC replaces what stands between the markers
`<!-- bench-suite:begin -->` and `<!-- bench-suite:end -->` in DOC with the
same tables and copies the charts next to it (DOC's folder/performance/).
--check DIR validates a report: every section present with numeric medians
and ratios, every chart a well-formed SVG. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from typing import Any, Optional

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import report_charts  # noqa: E402  (siblings of this file)
import report_markdown  # noqa: E402

TOOLS = {
    "snakepit_bench": "bench",
    "snakepit_profiles": "profiles",
    "snakepit_lifecycle_bench": "lifecycle",
}

# Every section a report must have, and the run it comes from.
SECTIONS = {
    "latency": "bench",
    "throughput": "bench",
    "startup": "bench",
    "streams": "bench",
    "profiles_memory": "profiles",
    "profiles_startup": "profiles",
    "profiles_load": "profiles",
    "scaling": "profiles",
    "recycling": "lifecycle",
    "telemetry": "lifecycle",
    "inspector": "lifecycle",
    "churn": "lifecycle",
}

BEGIN = "<!-- bench-suite:begin -->"
END = "<!-- bench-suite:end -->"


def load_runs(directory: str) -> dict[str, dict[str, Any]]:
    """The documents in `directory`, keyed "bench", "profiles", "lifecycle"."""
    runs: dict[str, dict[str, Any]] = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json") or name == "report.json":
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            try:
                doc = json.load(f)
            except json.JSONDecodeError as e:
                print(f"report.py: {name}: not JSON: {e}", file=sys.stderr)
                continue
        key = TOOLS.get(doc.get("tool", "") if isinstance(doc, dict) else "")
        if key:
            runs[key] = doc
    return runs


def _ab_figures(ab: dict[str, Any], medians: dict, ratios: dict) -> None:
    for side in ("a", "b"):
        for k in ("calls_per_s", "p50_us", "p99_us", "cpu_us_per_call"):
            medians[f"{side} {k}"] = ab[side].get(k)
    for k, v in ab["ratios"].items():
        ratios[f"b/a {k}"] = v
    for k, v in ab["ratios_per_round"].items():
        ratios[f"b/a {k}, median of round ratios"] = v


def sections(runs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every section's figures as flat {"medians": {...}, "ratios": {...}}."""
    out: dict[str, dict[str, Any]] = {}

    def section(name: str) -> tuple[dict, dict]:
        medians: dict[str, Any] = {}
        ratios: dict[str, Any] = {}
        out[name] = {"source": SECTIONS[name], "medians": medians,
                     "ratios": ratios}
        return medians, ratios

    bench = runs.get("bench", {})
    if "latency" in bench:
        m, r = section("latency")
        for p in bench["latency"]["paths"]:
            for k in ("p50_us", "p99_us", "mean_us", "calls_per_s"):
                m[f"{p['key']} {k}"] = p.get(k)
        for q in bench["latency"]["ratios"]:
            for k in ("p50", "p50_per_round", "p99", "p99_per_round"):
                r[f"{q['pool']}/{q['bare']} {k}"] = q.get(k)
    if "throughput" in bench:
        m, r = section("throughput")
        for load in bench["throughput"]["loads"]:
            for side in ("native", "grpc"):
                for k in ("calls_per_s", "cpu_us_per_call", "p50_us"):
                    m[f"{load['label']} {side} {k}"] = load[side].get(k)
            for k, v in load["native_vs_grpc"].items():
                r[f"{load['label']} native/grpc {k}"] = v
    if "startup" in bench:
        m, r = section("startup")
        sizes = bench["startup"]["sizes"]
        for s in sizes:
            m[f"{s['workers']} workers median_ms"] = s.get("median_ms")
            if sizes:
                r[f"{s['workers']} workers / {sizes[0]['workers']}"] = (
                    s["median_ms"] / sizes[0]["median_ms"]
                    if sizes[0]["median_ms"] else None)
    if "streams" in bench:
        m, r = section("streams")
        figures = {"1k": ("chunks_per_s", "mib_per_s", "mean_us"),
                   "64k": ("chunks_per_s", "mib_per_s", "mean_us"),
                   "latency": ("mean_us", "p50_us", "p99_us"),
                   "host": ("p50_us", "local_us")}
        for p in bench["streams"]["paths"]:
            for k in figures[p["group"]]:
                m[f"{p['key']} {k}"] = p.get(k)
        for q in bench["streams"]["ratios"]:
            r[q["name"]] = q.get("value")
            r[f"{q['name']}, median of round ratios"] = q.get("per_round")
    comparison = runs.get("profiles", {}).get("comparison")
    if comparison:
        summary = {row["figure"]: row["ratios"]
                   for row in comparison["summary"]}
        m, r = section("profiles_memory")
        for row in comparison["memory"]:
            for when in ("idle", "load"):
                for k, v in row[when].items():
                    m[f"{row['letter']} {when} {k}"] = v
        for figure, by_config in summary.items():
            if figure.startswith("memory"):
                for label, v in by_config.items():
                    r[f"{label[0]}/A {figure}"] = v
        m, r = section("profiles_startup")
        for row in comparison["startup"]:
            m[f"{row['letter']} median_ms"] = row["median_ms"]
            r[f"{row['letter']}/A"] = row["vs_a"]
        m, r = section("profiles_load")
        for tool in comparison["load"]:
            for row in tool["configs"]:
                key = f"{tool['tool']} {row['letter']}"
                m[f"{key} calls_per_s"] = row["load"]["calls_per_s"]
                m[f"{key} p50_us"] = row["load"]["p50_us"]
                r[f"{key}/A calls_per_s"] = row["calls_per_s_vs_a"]
                r[f"{key}/A p50"] = row["p50_vs_a"]
    scaling = runs.get("profiles", {}).get("scaling")
    if scaling:
        m, r = section("scaling")
        for tool in scaling["tools"]:
            for p in tool["pools"]:
                key = f"{tool['tool']} {p['label']}"
                m[f"{key} {tool['unit']}"] = p["throughput"]
                r[f"{key} vs size 1"] = p["vs_size_1"]
    lifecycle = runs.get("lifecycle", {})
    for name in ("recycling", "telemetry", "inspector"):
        if name in lifecycle:
            m, r = section(name)
            _ab_figures(lifecycle[name]["ab"], m, r)
            if name == "inspector":
                for when in ("idle", "under_load"):
                    for k in ("p50_us", "p99_us"):
                        m[f"inspection {when} {k}"] = lifecycle[name][when][k]
    if "churn" in lifecycle:
        m, r = section("churn")
        for row in lifecycle["churn"]["rows"]:
            key = row["label"]
            m[f"{key} a calls_per_s"] = row["ab"]["a"]["calls_per_s"]
            m[f"{key} b calls_per_s"] = row["ab"]["b"]["calls_per_s"]
            m[f"{key} served_median"] = row["recycles"]["served_median"]
            m[f"{key} served_max"] = row["recycles"]["served_max"]
            r[f"{key} b/a calls_per_s"] = row["ab"]["ratios"]["calls_per_s"]
    return out


def command_lines(runs: dict[str, dict[str, Any]], root: str) -> list[dict]:
    """Each run's argv (paths relative to `root`), time and outcome."""
    out = []
    for key in ("bench", "profiles", "lifecycle"):
        doc = runs.get(key)
        if not doc:
            continue
        argv = [os.path.relpath(a, root)
                if os.path.isabs(a) and a.startswith(root + os.sep) else a
                for a in doc.get("argv", [])]
        out.append({"tool": doc["tool"], "argv": argv,
                    "seconds": doc.get("seconds"), "ok": doc.get("ok"),
                    "load_average_before":
                        doc["machine"].get("load_average_before"),
                    "load_average_after":
                        doc["machine"].get("load_average_after")})
    return out


def replace_block(doc_path: str, block: str) -> None:
    """Puts `block` between the markers of `doc_path`."""
    with open(doc_path, encoding="utf-8") as f:
        text = f.read()
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < begin:
        raise SystemExit(f"report.py: {doc_path} has no {BEGIN} ... {END}")
    text = (text[:begin + len(BEGIN)] + "\n" + block.rstrip("\n") + "\n"
            + text[end:])
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write(text)


def build(args: argparse.Namespace) -> int:
    directory = args.dir
    runs = load_runs(directory)
    if not runs:
        print(f"report.py: no benchmark documents in {directory}",
              file=sys.stderr)
        return 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    charts = report_charts.write_all(runs, directory)
    started = sorted(doc.get("started", "") for doc in runs.values())[0]
    meta = {
        "measured": started[:16].replace("T", " ") + " UTC"
                    if started else "?",
        "generated": datetime.datetime.now(datetime.timezone.utc)
                     .strftime("%Y-%m-%d %H:%M UTC"),
        "mode": args.mode,
        "suite_command": args.suite_command,
        "elapsed_s": args.elapsed,
        "commands": command_lines(runs, root),
        "missing": [k for k in TOOLS.values() if k not in runs],
    }
    report = {**meta, "sections": sections(runs), "charts": charts,
              "runs": runs}
    with open(os.path.join(directory, "report.json"), "w",
              encoding="utf-8") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    markdown = report_markdown.render(runs, meta, charts, level=1,
                                      image_dir="")
    with open(os.path.join(directory, "report.md"), "w",
              encoding="utf-8") as f:
        f.write(markdown)
    if args.update_docs:
        doc_dir = os.path.dirname(os.path.abspath(args.update_docs))
        image_dir = os.path.join(doc_dir, "performance")
        os.makedirs(image_dir, exist_ok=True)
        for chart in charts:
            shutil.copy(os.path.join(directory, chart), image_dir)
        replace_block(args.update_docs,
                      report_markdown.render(runs, meta, charts, level=2,
                                             image_dir="performance/"))
    if not args.quiet:
        sys.stdout.write(markdown)
    return 0


def _is_number(v: Any) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v))


def check(directory: str) -> list[str]:
    """What is wrong with the report in `directory` (nothing: [])."""
    problems: list[str] = []
    try:
        with open(os.path.join(directory, "report.json"),
                  encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        return [f"report.json: {e}"]
    found = report.get("sections", {})
    for name in SECTIONS:
        sec = found.get(name)
        if not sec:
            problems.append(f"section {name}: missing")
            continue
        for part in ("medians", "ratios"):
            figures = sec.get(part) or {}
            if not figures:
                problems.append(f"section {name}: no {part}")
            for k, v in figures.items():
                if not _is_number(v):
                    problems.append(f"section {name}: {part} '{k}' is {v!r}")
    for key in TOOLS.values():
        if not report.get("runs", {}).get(key, {}).get("ok"):
            problems.append(f"run {key}: missing or not ok")
    charts = report.get("charts") or []
    if len(charts) < 3:
        problems.append(f"charts: {len(charts)}, expected at least 3")
    for chart in charts:
        try:
            tree = ET.parse(os.path.join(directory, chart))
            if tree.getroot().tag != "{http://www.w3.org/2000/svg}svg":
                problems.append(f"{chart}: root is {tree.getroot().tag}")
        except (OSError, ET.ParseError) as e:
            problems.append(f"{chart}: {e}")
    md = os.path.join(directory, "report.md")
    if not os.path.isfile(md) or os.path.getsize(md) == 0:
        problems.append("report.md: missing or empty")
    return problems


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir", help="folder with the benchmarks' JSON")
    parser.add_argument("--check", action="store_true",
                        help="validate DIR's report instead of writing one")
    parser.add_argument("--mode", default="", help="short or full")
    parser.add_argument("--suite-command", default="",
                        help="the command that produced DIR")
    parser.add_argument("--elapsed", type=float, default=None,
                        help="wall time of the whole suite, seconds")
    parser.add_argument("--update-docs", metavar="DOC",
                        help="replace the generated block of DOC")
    parser.add_argument("--quiet", action="store_true",
                        help="do not print report.md")
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.dir)
        for p in problems:
            print(f"report.py --check: {p}", file=sys.stderr)
        if not problems:
            print(f"report.py --check: {args.dir}: every section, figure and "
                  "chart is well-formed")
        return 1 if problems else 0
    return build(args)


if __name__ == "__main__":
    sys.exit(main())
