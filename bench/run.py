#!/usr/bin/env python3
"""Benchmarks of issue 6: reconcile next to pg_dump, psql and migra.

Called by scripts/bench, which builds the release binaries and starts a
throwaway cluster. For each N: generate a schema (bench/schemagen.rs), load
it, and time every command RUNS times (median wall, peak RSS of the client
process). Statements sent to the server are counted in a separate run of each
command with log_statement=all, so logging does not disturb the timings.

Environment: BENCH_PG (admin URL), BENCH_PG_DIR (cluster dir with server.log;
no statement counts without it), BENCH_RUNS (3), BENCH_EDITS (K, default
max(10, N/50)), BENCH_OUT (where results.json, table.md and the SVG go),
BENCH_BIN (dir with reconcile and genschema), BENCH_MIGRA (migra executable;
skipped when unset or missing), BENCH_APPLY (0 leaves out the applies: at
10 000 tables each takes some 6 minutes, and is timed and counted for four
tools).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ADMIN = os.environ["BENCH_PG"]
PG_DIR = os.environ.get("BENCH_PG_DIR")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
OUT = Path(os.environ.get("BENCH_OUT", "docs/bench"))
BIN = Path(os.environ["BENCH_BIN"])
MIGRA = os.environ.get("BENCH_MIGRA")
APPLY = os.environ.get("BENCH_APPLY", "1") != "0"
RECONCILE = str(BIN / "reconcile")
os.environ["PGOPTIONS"] = "-c client_min_messages=warning"
GENSCHEMA = str(BIN / "examples" / "genschema")


def db_url(name, scheme="postgresql"):
    base = ADMIN.rsplit("/", 1)[0]
    base = re.sub(r"^[a-z+]+://", scheme + "://", base)
    return f"{base}/{name}"


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def psql(db, *args, quiet=True):
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db_url(db)] + list(args)
    sh(cmd, stdout=subprocess.DEVNULL if quiet else None)


def admin_sql(sql):
    sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", ADMIN, "-c", sql], stdout=subprocess.DEVNULL)


def fresh_db(name, shim):
    admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(f'CREATE DATABASE "{name}"')
    psql(name, "-f", str(shim))


def measure(cmd, stdout_path=os.devnull):
    """Wall seconds and peak RSS (KiB) of one run; raises on failure."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf, open(stdout_path, "w") as out:
        t0 = time.perf_counter()
        p = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        wall = time.perf_counter() - t0
        # migra exits 2 when it found changes: that is success here.
        if p.returncode != 0 and not (p.returncode == 2 and cmd[0] == MIGRA):
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
        rss = int(tf.read().strip().splitlines()[-1])
    return wall, rss


def count_statements(run):
    """Statements the server logged while `run()` ran (log_statement=all)."""
    if not PG_DIR:
        return None
    log = Path(PG_DIR) / "server.log"
    admin_sql("ALTER SYSTEM SET log_statement = 'all'")
    admin_sql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    start = log.stat().st_size
    run()
    time.sleep(0.5)
    with open(log, "rb") as f:
        f.seek(start)
        text = f.read().decode("utf-8", "replace")
    admin_sql("ALTER SYSTEM RESET log_statement")
    admin_sql("SELECT pg_reload_conf()")
    n = 0
    for line in text.splitlines():
        m = re.search(r"LOG:  (statement|execute [^:]*): (.*)", line)
        if m and "ALTER SYSTEM" not in m.group(2) and "pg_reload_conf" not in m.group(2):
            n += 1
    return n


def bench(label, tool, cmd, prepare=None):
    return bench_group([(label, tool, cmd)], prepare)[0]


def bench_group(items, prepare=None):
    """Times each (case, tool, command) of `items` RUNS times, the tools
    taking turns: a server that slows down over a series (checkpoints after
    several large applies in a row) then weighs on each tool alike, not on
    whichever ran last."""
    walls = [[] for _ in items]
    rsss = [[] for _ in items]
    for _ in range(RUNS):
        for i, (_, _, cmd) in enumerate(items):
            if prepare:
                prepare()
            w, r = measure(cmd)
            walls[i].append(w)
            rsss[i].append(r)
    rows = []
    for i, (label, tool, cmd) in enumerate(items):
        if prepare:
            prepare()
        stmts = count_statements(lambda: measure(cmd))
        row = {
            "case": label,
            "tool": tool,
            "median_s": statistics.median(walls[i]),
            "runs_s": walls[i],
            "peak_rss_mib": max(rsss[i]) / 1024,
            "statements": stmts,
        }
        print(f"  {label:<28} {tool:<24} {row['median_s']:8.3f} s {row['peak_rss_mib']:7.1f} MiB  {stmts} stmts",
              flush=True)
        rows.append(row)
    return rows


def run_n(n, work, shim):
    k = int(os.environ.get("BENCH_EDITS", max(10, n // 50)))
    work.mkdir(parents=True, exist_ok=True)
    base_sql, edited_sql = work / "base.sql", work / "edited.sql"
    with open(base_sql, "w") as f:
        sh([GENSCHEMA, str(n)], stdout=f)
    with open(edited_sql, "w") as f:
        sh([GENSCHEMA, str(n), "--edits", str(k)], stdout=f)
    empty, base, edited, scratch = (f"bench{n}_{x}" for x in ("empty", "base", "edited", "scratch"))
    print(f"N={n}: loading ({k} edits)", flush=True)
    fresh_db(empty, shim)
    fresh_db(base, shim)
    psql(base, "-1", "-f", str(base_sql))
    fresh_db(edited, shim)
    psql(edited, "-1", "-f", str(edited_sql))
    for d in ("base_schema", "base_mig", "edited_schema", "edited_mig", "none", "create_mig", "snap"):
        shutil.rmtree(work / d, ignore_errors=True)
    (work / "none").mkdir()
    for db, name in ((base, "base"), (edited, "edited")):
        sh([RECONCILE, "baseline", "--database-url", db_url(db), "--schemas", "public",
            "--out", str(work / f"{name}_schema"), "--migrations", str(work / f"{name}_mig")],
           stdout=subprocess.DEVNULL)
    # The full-create migration the runner applies (planned against the empty database).
    sh([RECONCILE, "plan", "--schema", str(work / "base_schema"), "--migrations", str(work / "create_mig"),
        "--database-url", db_url(empty), "--name", "create"], stdout=subprocess.DEVNULL)
    up = next((work / "create_mig").glob("0001_*/up.sql"))

    rows = []
    # Each schema has a cache of its own, as it does by default: the first
    # plan of a schema fills it, the next keeps the model, later ones read
    # that back. One cache for both schemas kept only one model, so every
    # case's first runs read the other's and made it again.
    shutil.rmtree(work / "cache", ignore_errors=True)
    plan = [RECONCILE, "plan", "--dry-run", "--format", "sql", "--allow-destructive"]

    def schema(name):
        return ["--schema", str(work / name), "--cache-dir", str(work / "cache" / name)]

    rows.extend(bench_group([
        ("inspect", "reconcile inspect",
         [RECONCILE, "inspect", "--database-url", db_url(base), "--schemas", "public"]),
        ("inspect", "pg_dump --schema-only", ["pg_dump", "--schema-only", "-n", "public", db_url(base)]),
    ]))
    rows.append(bench("plan create (online)", "reconcile plan",
                      plan + schema("base_schema") + ["--migrations", str(work / "none"),
                                                      "--database-url", db_url(empty)]))
    rows.append(bench("plan edits (online)", "reconcile plan",
                      plan + schema("edited_schema") + ["--migrations", str(work / "none"),
                                                        "--database-url", db_url(base)]))
    rows.append(bench("plan create (offline)", "reconcile plan",
                      plan + schema("base_schema") + ["--migrations", str(work / "none")]))
    rows.append(bench("plan edits (offline)", "reconcile plan",
                      plan + schema("edited_schema") + ["--migrations", str(work / "base_mig")]))
    rows.append(bench("plan edits (offline)", "reconcile plan --no-cache",
                      plan + ["--no-cache", "--schema", str(work / "edited_schema"),
                              "--migrations", str(work / "base_mig")]))
    if MIGRA and shutil.which(MIGRA):
        m = lambda a, b: [MIGRA, "--unsafe", "--schema", "public",
                          db_url(a, "postgresql+psycopg2"), db_url(b, "postgresql+psycopg2")]
        rows.append(bench("plan create (online)", "migra", m(empty, base)))
        rows.append(bench("plan edits (online)", "migra", m(base, edited)))
    else:
        print("  migra not installed: skipped", flush=True)
    if not APPLY:
        print("  applies left out (BENCH_APPLY=0)", flush=True)
    rows.extend(bench_group([] if not APPLY else [
        ("apply create", "reconcile apply",
         [RECONCILE, "apply", "--database-url", db_url(scratch), "--migrations", str(work / "create_mig"),
          "--snapshot-dir", str(work / "snap"), "--progress", "never"]),
        ("apply create", "reconcile apply --no-snapshot",
         [RECONCILE, "apply", "--database-url", db_url(scratch), "--migrations", str(work / "create_mig"),
          "--no-snapshot", "--progress", "never"]),
        ("apply create", "psql -1 -f (same up.sql)",
         ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(up), db_url(scratch)]),
        ("apply create", "psql -1 -f (generator SQL)",
         ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(base_sql), db_url(scratch)]),
    ], prepare=lambda: fresh_db(scratch, shim)))
    for db in (empty, base, edited, scratch):
        admin_sql(f'DROP DATABASE IF EXISTS "{db}"')
    return {"n": n, "edits": k, "rows": rows}


REFERENCE = {
    "inspect": "pg_dump --schema-only",
    "plan create (online)": "migra",
    "plan edits (online)": "migra",
    "apply create": "psql -1 -f (same up.sql)",
}


def table(results):
    lines = ["| N | case | tool | median wall | peak RSS | statements | ratio to reference |",
             "|---|---|---|---|---|---|---|"]
    for r in sorted(results, key=lambda r: r["n"]):
        refs = {row["case"]: row["median_s"] for row in r["rows"] if row["tool"] == REFERENCE.get(row["case"])}
        for row in r["rows"]:
            ref = refs.get(row["case"])
            ratio = "" if ref is None or row["tool"] == REFERENCE.get(row["case"]) else f"{row['median_s'] / ref:.2f}×"
            stmts = "" if row["statements"] is None else str(row["statements"])
            lines.append(f"| {r['n']} | {row['case']} | {row['tool']} | {row['median_s']:.3f} s | "
                         f"{row['peak_rss_mib']:.0f} MiB | {stmts} | {ratio} |")
    return "\n".join(lines) + "\n"


def svg(results):
    """Log-log plot of median wall time against N, one line per case and tool."""
    series = {}
    for r in results:
        for row in r["rows"]:
            series.setdefault(f"{row['case']}: {row['tool']}", []).append((r["n"], row["median_s"]))
    pts = [p for s in series.values() for p in s]
    if not pts:
        return ""
    import math
    w, h, left, right, top, bottom = 900, 520, 70, 330, 20, 50
    xs = [math.log10(n) for n, _ in pts]
    ys = [math.log10(max(t, 1e-3)) for _, t in pts]
    x0, x1 = math.floor(min(xs)), math.ceil(max(xs))
    y0, y1 = math.floor(min(ys)), math.ceil(max(ys))
    x1 = max(x1, x0 + 1)
    y1 = max(y1, y0 + 1)
    px = lambda v: left + (v - x0) / (x1 - x0) * (w - left - right)
    py = lambda v: h - bottom - (v - y0) / (y1 - y0) * (h - top - bottom)
    colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aa5500", "#0055aa"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="11">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    for e in range(x0, x1 + 1):
        out.append(f'<line x1="{px(e):.1f}" y1="{top}" x2="{px(e):.1f}" y2="{h - bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{px(e):.1f}" y="{h - bottom + 15}" text-anchor="middle">{10 ** e:g}</text>')
    for e in range(y0, y1 + 1):
        out.append(f'<line x1="{left}" y1="{py(e):.1f}" x2="{w - right}" y2="{py(e):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 5}" y="{py(e) + 4:.1f}" text-anchor="end">{10 ** e:g} s</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 10}" text-anchor="middle">tables (N), log scale</text>')
    out.append(f'<text x="15" y="{(top + h - bottom) / 2}" transform="rotate(-90 15 {(top + h - bottom) / 2})" '
               f'text-anchor="middle">median wall time, log scale</text>')
    for i, (name, s) in enumerate(sorted(series.items())):
        c = colors[i % len(colors)]
        s = sorted(s)
        d = " ".join(f"{px(math.log10(n)):.1f},{py(math.log10(max(t, 1e-3))):.1f}" for n, t in s)
        out.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
        for n, t in s:
            out.append(f'<circle cx="{px(math.log10(n)):.1f}" cy="{py(math.log10(max(t, 1e-3))):.1f}" r="3" fill="{c}"/>')
        ly = top + 10 + i * 16
        out.append(f'<line x1="{w - right + 10}" y1="{ly - 4}" x2="{w - right + 30}" y2="{ly - 4}" stroke="{c}" stroke-width="2"/>')
        out.append(f'<text x="{w - right + 35}" y="{ly}">{name}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ns = [int(a) for a in sys.argv[1:]] or [100, 1000]
    OUT.mkdir(parents=True, exist_ok=True)
    shim = OUT / ".shim.sql"
    with open(shim, "w") as f:
        sh([RECONCILE, "shim"], stdout=f)
    results_path = OUT / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {"runs": []}
    for n in ns:
        r = run_n(n, Path(tempfile.gettempdir()) / "reconcile-bench" / f"n{n}", shim)
        r["date"] = time.strftime("%Y-%m-%d")
        r["runs"] = RUNS
        results["runs"] = [x for x in results["runs"] if x["n"] != n] + [r]
    shim.unlink()
    results_path.write_text(json.dumps(results, indent=1) + "\n")
    (OUT / "table.md").write_text(table(results["runs"]))
    (OUT / "time-vs-n.svg").write_text(svg(results["runs"]))
    print(table(results["runs"]))


if __name__ == "__main__":
    main()
