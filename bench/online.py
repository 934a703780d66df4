#!/usr/bin/env python3
"""Online DDL under load: how long each change class blocks reads and writes.

Called by scripts/bench-online, which builds the release binary and starts a
throwaway cluster. A table of ROWS rows (1 000 000) is made once, through
`reconcile plan` and `reconcile apply`, and copied (CREATE DATABASE ...
TEMPLATE) for each run. Each change class is then applied twice on a copy
while pgbench runs a steady load of single-row UPDATEs and single-row
SELECTs on the table (two pgbench processes, RATE transactions a second
each):

- reconcile: the desired state edited, `reconcile plan --database-url`
  against the copy, `reconcile apply --no-snapshot`;
- naive: the plain DDL for the same change with psql.

Per run it reports the longest lock wait of a write and of a read
(pg_stat_activity sampled every few milliseconds from a connection of its
own: how long a pgbench query has waited on a lock) and the longest
latency of a write and a read that overlapped the change (pgbench's
per-transaction log; on a shared machine this includes CPU noise, so the
longest latency before the change is given too). A class that reconcile
refuses (red: a rewrite or a scan under a strong lock) is run naive only.

Environment: BENCH_PG (admin URL), BENCH_BIN (dir with reconcile),
BENCH_PGBENCH (pgbench executable), BENCH_ROWS (1000000), BENCH_RATE (100),
BENCH_OUT (docs/bench: online.json and online.md), BENCH_CLASSES (all, or a
comma-separated list of class names).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2

ADMIN = os.environ["BENCH_PG"]
BIN = Path(os.environ["BENCH_BIN"])
PGBENCH = os.environ.get("BENCH_PGBENCH", "pgbench")
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
RATE = int(os.environ.get("BENCH_RATE", "100"))
OUT = Path(os.environ.get("BENCH_OUT", "docs/bench"))
RECONCILE = str(BIN / "reconcile")
os.environ["PGOPTIONS"] = "-c client_min_messages=warning"

# Seconds of load before the change starts, and after it ends.
BEFORE = 3.0
AFTER = 2.0

BASE = """tables:
  public.p:
    columns:
      id: { type: bigint, nullable: false }
    primary_key: [id]
  public.t:
    columns:
      id: { type: bigint, nullable: false }
      p: bigint
      v: integer
      n: { type: integer, nullable: false, default: 0 }
    primary_key: [id]
"""

# (name, what the desired state adds under public.t, the naive DDL)
CLASSES = [
    ("index", "    indexes:\n      t_v_idx: { columns: [v] }\n",
     "CREATE INDEX t_v_idx ON public.t (v)"),
    ("foreign key", "    foreign_keys:\n      t_p_fkey: { columns: [p], references: public.p(id) }\n",
     "ALTER TABLE public.t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES public.p (id)"),
    ("check", "    checks:\n      t_v_positive: \"v > 0\"\n",
     "ALTER TABLE public.t ADD CONSTRAINT t_v_positive CHECK (v > 0)"),
    ("NOT NULL on an existing column", None,
     "ALTER TABLE public.t ALTER COLUMN v SET NOT NULL"),
    ("column with a constant default", None,
     "ALTER TABLE public.t ADD COLUMN c integer DEFAULT 7"),
    ("type change (int -> bigint)", None,
     "ALTER TABLE public.t ALTER COLUMN v TYPE bigint"),
    ("column with a volatile default", None,
     "ALTER TABLE public.t ADD COLUMN c double precision DEFAULT random()"),
]


def desired(name, extra):
    """The desired state of a class: BASE with the class's change."""
    if name == "NOT NULL on an existing column":
        return BASE.replace("      v: integer\n", "      v: { type: integer, nullable: false }\n")
    if name == "column with a constant default":
        return BASE.replace("      n: {", "      c: { type: integer, default: 7 }\n      n: {")
    if name == "type change (int -> bigint)":
        return BASE.replace("      v: integer\n", "      v: bigint\n")
    if name == "column with a volatile default":
        return BASE.replace("      n: {", "      c: { type: double precision, default: random() }\n      n: {")
    return BASE + extra


def db_url(name):
    base = ADMIN.rsplit("/", 1)[0]
    return f"{base}/{name}"


def run(cmd, cwd=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p


def psql(url, sql):
    run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])


def reconcile(args, cwd, check=True):
    return run([RECONCILE] + args, cwd=cwd, check=check)


def make_template(work):
    """The template database: BASE applied by reconcile, then ROWS rows."""
    psql(ADMIN, "DROP DATABASE IF EXISTS bench_online_tpl")
    psql(ADMIN, "CREATE DATABASE bench_online_tpl")
    url = db_url("bench_online_tpl")
    project = work / "base"
    (project / "schema").mkdir(parents=True)
    (project / "schema" / "t.yaml").write_text(BASE)
    reconcile(["plan", "--name", "tables"], project)
    reconcile(["apply", "--database-url", url, "--no-snapshot"], project)
    psql(url, "INSERT INTO public.p SELECT g FROM generate_series(1, 1000) g")
    psql(url, f"INSERT INTO public.t (id, p, v) SELECT g, g % 1000 + 1, g % 1000 + 1 "
              f"FROM generate_series(1, {ROWS}) g")
    psql(url, "VACUUM ANALYZE")
    return project


def copy_db(name):
    psql(ADMIN, f"DROP DATABASE IF EXISTS {name}")
    psql(ADMIN, f"CREATE DATABASE {name} TEMPLATE bench_online_tpl")
    return db_url(name)


class Sampler(threading.Thread):
    """Samples how long each pgbench query has waited on a lock."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.conn = psycopg2.connect(url)
        self.conn.autocommit = True
        self.stop = threading.Event()
        self.samples = []  # (time, kind, seconds waited so far)

    def run(self):
        cur = self.conn.cursor()
        while not self.stop.is_set():
            cur.execute(
                "SELECT extract(epoch FROM clock_timestamp()), left(query, 6), "
                "extract(epoch FROM clock_timestamp() - query_start) "
                "FROM pg_stat_activity "
                "WHERE application_name = 'pgbench' AND wait_event_type = 'Lock'")
            for at, kind, waited in cur.fetchall():
                self.samples.append((float(at), kind.upper(), float(waited)))
            time.sleep(0.002)
        self.conn.close()


def pgbench(url, script, prefix, seconds):
    return subprocess.Popen(
        [PGBENCH, "-n", "-c", "2", "-j", "1", "-R", str(RATE), "-T", str(seconds),
         "-f", str(script), "-l", f"--log-prefix={prefix}", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def latencies(prefix):
    """(start, end, latency) of every transaction a pgbench run logged."""
    out = []
    for f in Path(prefix).parent.glob(Path(prefix).name + ".*"):
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) < 6:
                continue
            latency = int(parts[2]) / 1e6
            end = int(parts[4]) + int(parts[5]) / 1e6
            out.append((end - latency, end, latency))
    return out


def measure(url, work, tag, change):
    """Runs `change()` under load; returns what blocked and for how long."""
    scripts = work / "scripts"
    scripts.mkdir(exist_ok=True)
    write = scripts / "write.sql"
    read = scripts / "read.sql"
    write.write_text(f"\\set id random(1, {ROWS})\nUPDATE public.t SET n = n + 1 WHERE id = :id;\n")
    read.write_text(f"\\set id random(1, {ROWS})\nSELECT * FROM public.t WHERE id = :id;\n")
    logs = work / "logs" / tag
    logs.mkdir(parents=True)
    sampler = Sampler(url)
    sampler.start()
    # Long enough for any change here; the change itself is timed.
    seconds = 60
    loads = [pgbench(url, write, logs / "w", seconds), pgbench(url, read, logs / "r", seconds)]
    time.sleep(BEFORE)
    start = time.time()
    result = change()
    end = time.time()
    time.sleep(AFTER)
    for p in loads:
        p.terminate()
    for p in loads:
        p.wait()
    sampler.stop.set()
    sampler.join()
    # pgbench writes its log as it goes; a terminated run keeps what it wrote.
    stats = {"seconds": round(end - start, 2), "result": result}
    for kind, word, prefix in [("write", "UPDATE", "w"), ("read", "SELECT", "r")]:
        txs = latencies(logs / prefix)
        during = [lat for (s, e, lat) in txs if s <= end and e >= start]
        before = [lat for (s, e, lat) in txs if e < start]
        waits = [w for (at, k, w) in sampler.samples if k == word and start <= at <= end + AFTER]
        stats[f"{kind}_lock_wait_ms"] = round(max(waits, default=0) * 1000, 1)
        stats[f"{kind}_latency_ms"] = round(max(during, default=0) * 1000, 1)
        stats[f"{kind}_latency_before_ms"] = round(max(before, default=0) * 1000, 1)
        stats[f"{kind}_count"] = len(during)
    return stats


def hazards(text):
    return sorted(set(re.findall(r"^--   (\w+ \w+):", text, re.M)))


def hazard_texts(text):
    """Each hazard line of a migration's header, as written."""
    return re.findall(r"^--   (\w+ \w+: .*)$", text, re.M)


def bench_class(i, name, extra, naive, work, base):
    out = {"class": name, "naive_sql": naive}
    # reconcile
    url = copy_db(f"bench_online_{i}_r")
    project = work / f"class{i}"
    shutil.copytree(base, project)
    (project / "schema" / "t.yaml").write_text(desired(name, extra))
    plan = reconcile(["plan", "--database-url", url, "--name", "change"], project, check=False)
    if plan.returncode == 0:
        ups = sorted((project / "generated" / "migrations").glob("0*_change*/up.sql"))
        text = "".join(p.read_text() for p in ups)
        out["reconcile_migrations"] = len(ups)
        out["reconcile_hazards"] = hazards(text)
        out["reconcile_hazard_texts"] = hazard_texts(text)
        out["reconcile_sql"] = [l for l in text.splitlines()
                                if l and not l.startswith("--") and not l.startswith("SET LOCAL")]

        def apply():
            p = reconcile(["apply", "--database-url", url, "--no-snapshot"], project, check=False)
            return "applied" if p.returncode == 0 else f"failed ({p.returncode}): {p.stderr.strip()}"

        out["reconcile"] = measure(url, work, f"r{i}", apply)
        again = reconcile(["plan", "--check", "--database-url", url], project, check=False)
        out["converged"] = again.returncode == 0
    else:
        refused = plan.stderr.strip().splitlines()
        out["reconcile"] = None
        out["refused"] = f"exit {plan.returncode}: " + " ".join(refused)[:400]
        out["reconcile_hazards"] = hazards(plan.stdout)
        red = [l.strip() for l in plan.stdout.splitlines() if l.strip().startswith("red ")]
        out["red"] = red
    psql(ADMIN, f"DROP DATABASE IF EXISTS bench_online_{i}_r WITH (FORCE)")
    # naive
    url = copy_db(f"bench_online_{i}_n")

    def ddl():
        p = run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", naive], check=False)
        return "applied" if p.returncode == 0 else f"failed: {p.stderr.strip()}"

    out["naive"] = measure(url, work, f"n{i}", ddl)
    psql(ADMIN, f"DROP DATABASE IF EXISTS bench_online_{i}_n WITH (FORCE)")
    return out


def table(results, version):
    rows = [
        f"PostgreSQL {version}, {ROWS:,} rows, {RATE} UPDATEs/s and {RATE} SELECTs/s "
        "(one row each, by primary key). Longest lock wait of a write / a read "
        "(sampled), and in brackets the longest latency of one that overlapped the "
        "change (the longest before it, the machine's own noise, in the last column: "
        "write / read, reconcile's run; naive run).",
        "",
        "| class | reconcile: migrations, time | writes blocked | reads blocked | naive DDL: time | writes blocked | reads blocked | noise before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        n = r["naive"]
        if r["reconcile"] is None:
            rec = "refused (red): " + "; ".join(
                re.match(r"red (\w+)", h).group(1) for h in r["red"])
            rw = rr = "—"
            noise = "—; "
        else:
            m = r["reconcile"]
            rec = f"{r['reconcile_migrations']} migration(s), {m['seconds']} s"
            if m["result"] != "applied":
                rec += f" ({m['result']})"
            rw = f"{m['write_lock_wait_ms']} ms ({m['write_latency_ms']} ms)"
            rr = f"{m['read_lock_wait_ms']} ms ({m['read_latency_ms']} ms)"
            noise = f"{m['write_latency_before_ms']} / {m['read_latency_before_ms']} ms; "
        noise += f"{n['write_latency_before_ms']} / {n['read_latency_before_ms']} ms"
        rows.append(
            f"| {r['class']} | {rec} | {rw} | {rr} | {n['seconds']} s | "
            f"{n['write_lock_wait_ms']} ms ({n['write_latency_ms']} ms) | "
            f"{n['read_lock_wait_ms']} ms ({n['read_latency_ms']} ms) | {noise} |")
    return "\n".join(rows) + "\n"


def main():
    wanted = os.environ.get("BENCH_CLASSES")
    chosen = [c for c in CLASSES if not wanted or c[0] in wanted.split(",")]
    version = run(["psql", "-X", "-tA", ADMIN, "-c", "SHOW server_version"]).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="bench-online-"))
    try:
        base = make_template(work)
        results = []
        for i, (name, extra, naive) in enumerate(chosen):
            print(f"== {name}", file=sys.stderr)
            r = bench_class(i, name, extra, naive, work, base)
            print(json.dumps(r, indent=1), file=sys.stderr)
            results.append(r)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        psql(ADMIN, "DROP DATABASE IF EXISTS bench_online_tpl")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "online.json").write_text(json.dumps(
        {"server_version": version, "rows": ROWS, "rate": RATE, "results": results}, indent=1) + "\n")
    md = table(results, version)
    (OUT / "online.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
