"""The report's Markdown: a table per section, ratios beside the figures
they come from (all measured in the same run), the machine, the commands
and the date. The same text serves report.md (`level` 1) and the generated
block of docs/performance.md (`level` 2, charts copied beside the doc)."""

from __future__ import annotations

import json
from typing import Any, Optional


def num(v: Optional[float], digits: int = 1) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


def ratio(v: Optional[float], bold: bool = False) -> str:
    if v is None:
        return "-"
    return f"**{v:.2f}x**" if bold else f"{v:.2f}x"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


class Writer:
    def __init__(self, level: int, image_dir: str) -> None:
        self.level = level
        self.image_dir = image_dir
        self.parts: list[str] = []

    def heading(self, depth: int, text: str) -> None:
        self.parts.append("#" * (self.level + depth) + " " + text + "\n")

    def para(self, text: str) -> None:
        self.parts.append(text.strip() + "\n")

    def chart(self, charts: list[str], name: str, alt: str) -> None:
        if name in charts:
            self.parts.append(f"![{alt}]({self.image_dir}{name})\n")

    def text(self) -> str:
        return "\n".join(self.parts)


def header(w: Writer, runs: dict[str, Any], meta: dict[str, Any]) -> None:
    first = next(iter(runs.values()))
    m = first["machine"]
    python = runs.get("profiles", {}).get("comparison", {}).get("python")
    py = (f", Python {python['version']} ({python['executable']}, GIL "
          f"{'enabled' if python['gil_enabled'] else 'disabled'})"
          if python else "")
    elapsed = (f" in {meta['elapsed_s'] / 60:.1f} min"
               if meta.get("elapsed_s") else "")
    cmd = meta.get("suite_command") or "bench/report.py"
    mode = f" ({meta['mode']} mode)" if meta.get("mode") else ""
    w.para(f"Measured {meta['measured']} by `{cmd}`{mode}{elapsed}. "
           "Every ratio below divides two figures of the same run, measured "
           "in alternating rounds.")
    w.para(f"Machine: {m['line']}; {m['compiler']}, {m['build_type']}, "
           f"CAF {m['caf']}, gRPC {m['grpc']}{py}.")
    lines = []
    for c in meta["commands"]:
        secs = f"{c['seconds']:.0f} s" if c.get("seconds") else "?"
        lines.append(f"{' '.join(c['argv'])}   # {secs}, "
                     f"{'ok' if c['ok'] else 'FAILED'}, load average "
                     f"{c['load_average_before']} -> "
                     f"{c['load_average_after']}")
    w.para("Commands:\n\n```\n" + "\n".join(lines) + "\n```")
    if meta.get("missing"):
        w.para("**Missing runs:** " + ", ".join(meta["missing"]))


def target_text(q: dict[str, Any]) -> str:
    """"<= 3.00x: met", with the moonshot when the ratio has one."""
    op = ">=" if q.get("target_at_least") else "<="
    met = "met" if q["p50_met"] else "not met"
    text = f"{op} {q['target']:.2f}x: {met}"
    if "moonshot" in q:
        moon = "met" if q["p50_moonshot_met"] else "not met"
        text += f"; moonshot {op} {q['moonshot']:.2f}x: {moon}"
    return text


def throughput(w: Writer, tp: dict[str, Any]) -> None:
    w.heading(1, "Throughput: native transport against gRPC")
    w.para(f"`snakepit_bench`: one host, a pool per shape and transport; "
           f"{tp['rounds']} round(s) of {tp['burst_ms']} ms per load and "
           "transport, transports alternating; medians over the rounds. "
           "CPU: the bench process (the host, not Python) per successful "
           "call. Targets on `ping`: native >= 4x gRPC's calls/s, <= 0.25x "
           "its host CPU per call.")
    rows = []
    for load in tp["loads"]:
        n, g, r = load["native"], load["grpc"], load["native_vs_grpc"]
        rows.append([load["label"], num(n["calls_per_s"], 0),
                     num(g["calls_per_s"], 0), ratio(r["calls_per_s"], True),
                     num(n["cpu_us_per_call"]), num(g["cpu_us_per_call"]),
                     ratio(r["cpu_us_per_call"], True), num(n["p50_us"]),
                     num(g["p50_us"])])
    w.para(table(["load", "native calls/s", "gRPC calls/s", "native/gRPC",
                  "native CPU us/call", "gRPC CPU us/call", "CPU native/gRPC",
                  "native p50 us", "gRPC p50 us"], rows))


def latency(w: Writer, bench: dict[str, Any], charts: list[str]) -> None:
    lat = bench["latency"]
    w.heading(1, "Round-trip latency: pools on both transports, bare "
                 "clients and the floor")
    w.para(f"`snakepit_bench`: sequential `ping` calls, {lat['rounds']} "
           f"rounds x {lat['calls']} calls per path after {lat['warmup']} "
           "warm-up calls, the paths alternating within each round; medians "
           f"over the rounds, microseconds. CAF: {bench['caf_settings']}.")
    rows = []
    for p in lat["paths"]:
        rows.append([p["name"], num(p["p50_us"]), num(p["p99_us"]),
                     num(p["mean_us"]), num(p["calls_per_s"], 0),
                     f"{p['p50_min_us']:.0f}..{p['p50_max_us']:.0f}",
                     num(p.get("pool_run_p50_us")),
                     num(p.get("cpu_us_per_call"))])
    w.para(table(["path", "p50 us", "p99 us", "mean us", "calls/s",
                  "p50 range us", "pool run us", "CPU us/call"], rows))
    rows = [[q["name"], ratio(q["p50"], True), ratio(q["p50_per_round"]),
             ratio(q["p99"]), ratio(q["p99_per_round"]), target_text(q)]
            for q in lat["ratios"]]
    w.para(table(["ratio", "p50", "p50, median of round ratios", "p99",
                  "p99, median of round ratios", "target (p50)"], rows))
    w.chart(charts, "latency.svg",
            "latency percentiles, pools vs bare clients and the floor")
    tp = bench.get("throughput")
    if tp:
        throughput(w, tp)
    st = bench.get("startup")
    if st:
        w.heading(1, "Pool start-up against pool size")
        w.para(f"`runtime::create` to every worker ready, fresh actor "
               f"system per run, {st['runs']} run(s) per size.")
        base = st["sizes"][0]["median_ms"] if st["sizes"] else None
        rows = [[str(s["workers"]), num(s["median_ms"]), num(s["min_ms"]),
                 num(s["max_ms"]),
                 ratio(s["median_ms"] / base if base else None)]
                for s in st["sizes"]]
        w.para(table(["workers", "median ms", "min ms", "max ms",
                      f"vs {st['sizes'][0]['workers']}"], rows))


def streams(w: Writer, st: dict[str, Any]) -> None:
    w.heading(1, "Streams and host calls against one-shot calls")
    w.para(f"`snakepit_bench`: 1-worker pools on the native transport "
           f"(`stream_window` {st['window']}, and 1), {st['rounds']} rounds, "
           "the paths alternating; medians over the rounds. Streams of "
           f"`count_bytes` ({st['chunks_1k']} chunks of 1 KiB, "
           f"{st['chunks_64k']} of 64 KiB) against `blob` returning the "
           "same bytes, one call per chunk or one call for all; us per chunk: "
           "wall time / chunks; gap: from one chunk to the next, "
           "microseconds (one-shot rows: the call's round trip); CPU: the "
           "bench process (the host, not Python).")
    paths = {p["key"]: p for p in st["paths"]}
    for group, size in (("1k", "1 KiB"), ("64k", "64 KiB")):
        each = paths[f"calls_each_{group}"]["mib_per_s"]
        whole = paths[f"call_all_{group}"]["mib_per_s"]
        rows = [[f"{size}: {p['name']}", num(p["chunks_per_s"], 0),
                 num(p["mib_per_s"]), num(p["mean_us"]), num(p["p50_us"]),
                 num(p["p99_us"]), num(p["cpu_us"]),
                 ratio(p["mib_per_s"] / each if each else None, True),
                 ratio(p["mib_per_s"] / whole if whole else None)]
                for p in st["paths"] if p["group"] == group]
        w.para(table(["path", "chunks/s", "MiB/s", "us per chunk",
                      "gap p50 us", "gap p99 us", "CPU us per chunk", "MiB/s vs one call per chunk",
                      "MiB/s vs one call for all"], rows))
    rows = [[p["name"], num(p["mean_us"]), num(p["p50_us"]),
             num(p["p99_us"]), num(p["cpu_us"])]
            for p in st["paths"] if p["group"] == "latency"]
    w.para(table(["per-chunk round trip (1 KiB)", "mean us", "p50 us",
                  "p99 us", "CPU us"], rows))
    rows = [[p["name"], num(p["p50_us"]), num(p["local_us"], 3),
             num(p["cpu_us"])]
            for p in st["paths"] if p["group"] == "host"]
    w.para(table([f"host calls from Python ({st['host_calls']} per loop)",
                  "us per host call", "us per Python call",
                  "CPU us per host call"], rows))
    rows = [[q["name"], ratio(q["value"], True), ratio(q["per_round"])]
            for q in st["ratios"]]
    w.para(table(["ratio", "of the medians", "median of round ratios"], rows))


def profiles(w: Writer, comp: dict[str, Any], charts: list[str]) -> None:
    w.heading(1, f"Profiles: thread against process at {comp['slots']} "
                 "slots")
    w.para(f"`snakepit_profiles`: each configuration its own host, "
           f"{comp['rounds']} round(s), configurations rotating; medians.")
    rows = []
    a_idle = comp["memory"][0]["idle"]["pss_mib"]
    for r in comp["memory"]:
        i, ld = r["idle"], r["load"]
        rows.append([r["label"], str(r["workers"]), num(i["pss_mib"]),
                     num(i["uss_mib"]), num(i["dirty_mib"]),
                     num(i["rss_mib"]), num(ld["pss_mib"]),
                     num(ld["dirty_mib"]),
                     ratio(i["pss_mib"] / a_idle if a_idle else None)])
    w.para("Memory of the pool's Python processes, MiB (sum over them):")
    w.para(table(["config", "procs", "idle Pss", "idle USS",
                  "idle Private_Dirty", "idle Rss", "load Pss",
                  "load Private_Dirty", "idle Pss vs A"], rows))
    w.chart(charts, "memory.svg", "memory per profile")
    rows = [[r["label"], num(r["median_ms"]), num(r["min_ms"]),
             num(r["max_ms"]), ratio(r["vs_a"])] for r in comp["startup"]]
    w.para("Start-up, `host::start` to all workers ready:")
    w.para(table(["config", "median ms", "min ms", "max ms", "vs A"], rows))
    rows = []
    for tool in comp["load"]:
        for r in tool["configs"]:
            work = (f"{r['work_mit_per_s']:.2f} ({ratio(r['work_vs_a'])})"
                    if "work_mit_per_s" in r else "")
            rows.append([_call(tool["tool"], tool["args"]), r["label"],
                         num(r["load"]["calls_per_s"]),
                         num(r["load"]["p50_us"] / 1000, 2),
                         num(r["load"]["p99_us"] / 1000, 2),
                         num(r["python_cores"], 2),
                         ratio(r["calls_per_s_vs_a"]), ratio(r["p50_vs_a"]),
                         work])
    w.para(f"Load: {comp['slots']} callers, one request at a time each "
           "(cpu_burn loops for a wall-clock time: its work, in million "
           "iterations/s, is the figure to compare, not its calls/s):")
    w.para(table(["tool", "config", "calls/s", "p50 ms", "p99 ms",
                  "py cores", "calls/s vs A", "p50 vs A",
                  "work Mit/s (vs A)"], rows))
    labels = [r["label"] for r in comp["memory"][1:]]
    rows = [[row["figure"]] + [ratio(row["ratios"].get(label))
                               for label in labels]
            for row in comp["summary"]]
    w.para("Every figure as a ratio to A (same run):")
    w.para(table(["figure"] + labels, rows))


def _call(tool: str, args: dict[str, Any]) -> str:
    """`sleep {"ms": 5}`, as Markdown code."""
    return f"`{tool} {json.dumps(args)}`"


def scaling(w: Writer, sc: dict[str, Any], charts: list[str]) -> None:
    w.heading(1, "Throughput vs pool size")
    w.para(f"`snakepit_profiles`: process pools of N workers and thread "
           f"pools of 1 worker x N threads, {sc['callers']} callers (every "
           f"slot busy), {sc['rounds']} round(s) of {sc['seconds']:g} s per "
           f"tool and pool; medians. On {sc['cores']} cores perfect scaling "
           f"is N x size 1 for `sleep` in both profiles; at most "
           f"{sc['cores']}x for the CPU tools with processes and for "
           "`hash_blob` (it releases the GIL) with threads; 1x for "
           "`cpu_burn` with threads (the GIL).")
    for tool in sc["tools"]:
        by = {(p["profile"], p["size"]): p for p in tool["pools"]}
        rows = []
        for n in sc["sizes"]:
            row = [str(n)]
            for profile in ("process", "thread"):
                p = by.get((profile, n))
                row += ([num(p["throughput"]),
                         ratio(p["vs_size_1"], n != sc["sizes"][0]),
                         num(p["load"]["p50_us"] / 1000, 2),
                         num(p["python_cores"], 2)] if p else ["-"] * 4)
            rows.append(row)
        u = tool["unit"]
        w.para(f"{_call(tool['tool'], tool['args'])} ({tool['what']}), "
               f"throughput in {u}:")
        w.para(table(["slots", f"process {u}", "vs 1", "p50 ms", "py cores",
                      f"thread {u}", "vs 1", "p50 ms", "py cores"], rows))
    w.chart(charts, "scaling.svg", "throughput against pool size")


def ab_table(ab: dict[str, Any]) -> str:
    rows = []
    for side in ("a", "b"):
        s = ab[side]
        rows.append([s["name"], num(s["calls_per_s"]),
                     num(s["p50_us"] / 1000, 3), num(s["p99_us"] / 1000, 3),
                     str(s["failures"]), num(s.get("cpu_us_per_call"), 0)])
    for name, key in (("B/A, ratio of the medians", "ratios"),
                      ("B/A, median of round ratios", "ratios_per_round")):
        r = ab[key]
        rows.append([name, ratio(r["calls_per_s"], key == "ratios"),
                     ratio(r["p50"]), ratio(r["p99"]), "",
                     ratio(r["cpu_us_per_call"])])
    return table(["config", "req/s", "p50 ms", "p99 ms", "failed",
                  "host CPU us/req"], rows)


def target_line(ab: dict[str, Any]) -> str:
    if ab.get("target") is None:
        return f"Failed requests: {ab['failed']}."
    met = "met" if ab["target_met"] else "**not met**"
    return (f"Throughput B/A target >= {ab['target']:.2f}: {met}; failed "
            f"requests: {ab['failed']}.")


def load(x: dict[str, Any]) -> str:
    """The steady load of a lifecycle comparison, in words."""
    return (f"{x['callers']} callers, {_call(x['tool'], x['args'])}, pools "
            f"of {x['workers']} process workers, {x['rounds']} rounds of "
            f"{x['seconds']:g} s per side")


def lifecycle(w: Writer, lc: dict[str, Any]) -> None:
    rec = lc.get("recycling")
    if rec:
        w.heading(1, "Recycling off (A) against on (B)")
        r = rec["recycles"]
        w.para(f"`snakepit_lifecycle_bench`: {load(rec)}; two hosts side "
               "by side. Calibration "
               f"{rec['calibration_calls_per_s']:.1f} req/s, so B has "
               f"`worker_max_requests = {rec['worker_max_requests']}`.")
        w.para(ab_table(rec["ab"]))
        w.para(f"Recycles in B's measured windows: {r['in_windows']} (per "
               f"round: {', '.join(map(str, r['per_round']))}), "
               f"{r['since_start']} since B started; in A: {r['in_a']}. "
               + target_line(rec["ab"]))
    tel = lc.get("telemetry")
    if tel:
        w.heading(1, "Telemetry off (A) against on (B)")
        w.para(f"{load(tel)}; B attaches: {tel['b_attaches']}.")
        w.para(ab_table(tel["ab"]))
        w.para(target_line(tel["ab"]))
    ins = lc.get("inspector")
    if ins:
        w.heading(1, "Inspector cost")
        w.para(f"`client::inspect`, alone on the idle pool, and from a "
               f"thread inspecting every {ins['inspect_every_ms']} ms under "
               f"the load (B); {load(ins)}.")
        rows = []
        for name, key in (("idle pool", "idle"), ("under the load (B)",
                                                   "under_load")):
            x = ins[key]
            rows.append([name, num(x["p50_us"]), num(x["p99_us"]),
                         num(x["percentiles_us"]["max"]), str(x["count"]),
                         str(x["failures"])])
        w.para(table(["one inspection", "p50 us", "p99 us", "max us",
                      "inspections", "failed"], rows))
        w.para(ab_table(ins["ab"]))
        w.para(target_line(ins["ab"]))
    churn = lc.get("churn")
    if churn:
        lifecycle_churn(w, churn)


def lifecycle_churn(w: Writer, churn: dict[str, Any]) -> None:
    """Recycling under churn: one row per way of starting B's workers."""
    w.heading(1, "Recycling under churn, per way of starting workers")
    limit = churn["worker_max_requests"]
    w.para(f"`snakepit_lifecycle_bench`: {load(churn)}; B recycles each "
           f"worker after `worker_max_requests = {limit}` requests "
           f"(lifecycle_interval {churn['lifecycle_interval_ms']} ms); one "
           "host without recycling (A) and one per row (B) side by side, "
           "taking turns. Served: the requests a recycled worker had "
           "served when it was replaced (`worker.recycled`).")
    rows = []
    for row in churn["rows"]:
        ab, rc = row["ab"], row["recycles"]
        met = "met" if row["served_target_met"] else "**not met**"
        rows.append([row["label"], num(ab["a"]["calls_per_s"]),
                     num(ab["b"]["calls_per_s"]),
                     ratio(ab["ratios"]["calls_per_s"], True),
                     ratio(ab["ratios_per_round"]["calls_per_s"]),
                     num(rc["served_median"], 0), num(rc["served_max"], 0),
                     f"<= {row['served_target']:.0f}: {met}",
                     str(rc["in_windows"]), str(ab["failed"])])
    w.para(table(["B starts workers by", "A req/s", "B req/s", "B/A",
                  "B/A, median of round ratios", "served median",
                  "served max", "target (max)", "recycles in B's rounds",
                  "failed"], rows))
    w.para(f"Targets: throughput B/A >= {churn['rows'][0]['ab']['target']:.2f}"
           f"; served at most {2 * limit}; 0 failed.")


def render(runs: dict[str, Any], meta: dict[str, Any], charts: list[str],
           level: int, image_dir: str) -> str:
    w = Writer(level, image_dir)
    w.heading(0, "Benchmark report" if level == 1
              else "Measured figures (generated)")
    header(w, runs, meta)
    if "bench" in runs and "latency" in runs["bench"]:
        latency(w, runs["bench"], charts)
    if "bench" in runs and "streams" in runs["bench"]:
        streams(w, runs["bench"]["streams"])
    comp = runs.get("profiles", {}).get("comparison")
    if comp:
        profiles(w, comp, charts)
    sc = runs.get("profiles", {}).get("scaling")
    if sc:
        scaling(w, sc, charts)
    if "lifecycle" in runs:
        lifecycle(w, runs["lifecycle"])
    return w.text()
