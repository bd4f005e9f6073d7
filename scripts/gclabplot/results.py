"""The one reader of gclab results folders: it owns the schema (results/README.md).

load(path) checks that the folder is a gclab results folder of the schema version
this code knows and returns its runs, pauses and phases with typed fields. Anything
else raises ResultsError with one line saying what is wrong.
"""
import csv
import json
import os
from dataclasses import dataclass, field

SCHEMA_VERSION = 7

# Columns this code reads; a runs.csv without them is not ours.
RUN_COLUMNS = ("run_key", "cell", "rep", "collector", "workload", "size", "heap_bytes",
               "heap_x", "threads", "escape_analysis", "status", "error", "wall_s",
               "mutator_cpu_s", "gc_cpu_s", "ops", "ops_per_s", "checksum", "heap_alloc_bytes",
               "heap_alloc_objects", "collections",
               "pause_total_ms", "pause_p50_us", "pause_p99_us", "pause_p999_us",
               "pause_max_us", "latency_p50_us", "latency_p99_us", "latency_p999_us",
               "latency_max_us", "latency_metered_p50_us", "latency_metered_p99_us",
               "latency_metered_p999_us", "latency_metered_max_us", "hiccup_max_us",
               "noisy", "noisy_because")
PAUSE_COLUMNS = ("run_key", "cycle", "kind", "cause", "start_ms", "duration_us",
                 "heap_before_bytes", "heap_after_bytes")
PHASE_COLUMNS = ("run_key", "cycle", "phase", "in_pause", "start_ms", "duration_us")
LATENCY_COLUMNS = ("run_key", "kind", "lower_ns", "upper_ns", "count")
NUMERIC = {"cell", "rep", "heap_bytes", "threads", "wall_s", "mutator_cpu_s", "gc_cpu_s",
           "ops", "ops_per_s", "collections", "pause_total_ms", "cycle", "start_ms",
           "duration_us", "heap_before_bytes", "heap_after_bytes", "in_pause", "heap_x"}


class ResultsError(Exception):
    """The folder is not a readable gclab results folder of this schema."""


@dataclass
class Run:
    key: str
    cell: int
    rep: int
    collector: str
    workload: str
    heap_bytes: int
    heap_label: str      # "2x" or "64 MiB": how the matrix named the heap
    threads: int
    escape_analysis: str
    status: str
    error: str
    metrics: dict        # the numeric columns (absent when the run failed)
    noisy: bool = False  # the machine was busy with other work during the run
    noisy_because: str = ""
    checksum: str = ""   # 16 hex digits when the run is ok: the workload's digest
    pauses: list = field(default_factory=list)   # dicts: start_ms, duration_us, ...
    phases: list = field(default_factory=list)
    # latency.csv: {"simple" | "metered": [(lower_ns, upper_ns, count)]}
    latency: dict = field(default_factory=dict)

    @property
    def ok(self):
        return self.status == "ok"

    def get(self, column, default=None):
        return self.metrics.get(column, default)


@dataclass
class Results:
    path: str
    manifest: dict
    runs: list

    def collectors(self):
        return sorted({r.collector for r in self.runs})

    def workloads(self):
        return sorted({r.workload for r in self.runs})

    def heaps(self):
        """The heap labels in increasing order (multiples, else MiB)."""
        return sorted({r.heap_label for r in self.runs}, key=heap_order)

    def cells(self):
        """Runs grouped by cell, in cell order: {(collector, workload, heap, threads, ea): [runs]}."""
        groups = {}
        for run in sorted(self.runs, key=lambda r: (r.cell, r.rep)):
            groups.setdefault(cell_key(run), []).append(run)
        return groups


def heap_order(label):
    """Sort key of a heap label: "1.5x" < "2x", "64 MiB" < "512 MiB"."""
    number = label.split()[0].rstrip("x")
    try:
        return (0 if label.endswith("x") else 1, float(number))
    except ValueError:
        return (2, label)


def cell_key(run):
    return (run.collector, run.workload, run.heap_label, run.threads, run.escape_analysis)


def _read_csv(path, required, what):
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise ResultsError(f"{what} lacks column(s) {', '.join(missing)}: "
                                   "not a gclab results file of this schema")
            return list(reader)
    except OSError as e:
        raise ResultsError(f"cannot read {what}: {e.strerror}") from None
    except csv.Error as e:
        raise ResultsError(f"{what} is malformed: {e}") from None


def _number(text):
    if text in ("", None):
        return None
    try:
        value = float(text)
    except ValueError:
        raise ResultsError(f"'{text}' is not a number") from None
    return int(value) if value.is_integer() and "." not in text else value


def _heap_label(row):
    if row.get("heap_x"):
        return f"{float(row['heap_x']):g}x"
    return f"{int(row['heap_bytes']) / 2**20:g} MiB"


def load(path):
    if not os.path.isdir(path):
        raise ResultsError(f"{path} is not a folder")
    manifest_path = os.path.join(path, "manifest.json")
    if not os.path.isfile(manifest_path):
        raise ResultsError(f"{path} is not a gclab results folder (no manifest.json)")
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise ResultsError(f"{manifest_path} is not readable JSON: {e}") from None
    if not isinstance(manifest, dict) or "schema_version" not in manifest:
        raise ResultsError(f"{manifest_path} has no schema_version: not a gclab results folder")
    if manifest["schema_version"] != SCHEMA_VERSION:
        raise ResultsError(f"{path} has results schema version {manifest['schema_version']}; "
                           f"these scripts read version {SCHEMA_VERSION}")
    run_rows = _read_csv(os.path.join(path, "runs.csv"), RUN_COLUMNS, f"{path}/runs.csv")
    pause_rows = _read_csv(os.path.join(path, "pauses.csv"), PAUSE_COLUMNS, f"{path}/pauses.csv")
    phase_rows = _read_csv(os.path.join(path, "phases.csv"), PHASE_COLUMNS, f"{path}/phases.csv")
    latency_rows = _read_csv(os.path.join(path, "latency.csv"), LATENCY_COLUMNS,
                             f"{path}/latency.csv")
    runs = {}
    for row in run_rows:
        try:
            metrics = {k: _number(v) for k, v in row.items()
                       if k not in ("run_key", "collector", "workload", "size", "status",
                                    "error", "escape_analysis", "noisy", "noisy_because",
                                    "checksum")
                       and v not in ("", None)}
            run = Run(key=row["run_key"], cell=int(row["cell"]), rep=int(row["rep"]),
                      collector=row["collector"], workload=row["workload"],
                      heap_bytes=int(row["heap_bytes"]), heap_label=_heap_label(row),
                      threads=int(row["threads"]), escape_analysis=row["escape_analysis"],
                      status=row["status"], error=row["error"], metrics=metrics,
                      noisy=row["noisy"] == "1", noisy_because=row["noisy_because"],
                      checksum=row["checksum"])
        except (ValueError, KeyError) as e:
            raise ResultsError(f"{path}/runs.csv has a malformed row ({e})") from None
        runs[run.key] = run
    if not runs:
        raise ResultsError(f"{path}/runs.csv holds no runs")
    for rows, attr in ((pause_rows, "pauses"), (phase_rows, "phases")):
        for row in rows:
            run = runs.get(row["run_key"])
            if run is None:
                raise ResultsError(f"{path}/{attr}.csv names run {row['run_key']}, "
                                   "which runs.csv does not have")
            getattr(run, attr).append({k: (_number(v) if k in NUMERIC else v)
                                       for k, v in row.items()})
    for row in latency_rows:
        run = runs.get(row["run_key"])
        if run is None:
            raise ResultsError(f"{path}/latency.csv names run {row['run_key']}, "
                               "which runs.csv does not have")
        try:
            bucket = (int(row["lower_ns"]), int(row["upper_ns"]), int(row["count"]))
        except ValueError:
            raise ResultsError(f"{path}/latency.csv has a malformed bucket: "
                               f"{','.join(row.values())}") from None
        run.latency.setdefault(row["kind"], []).append(bucket)
    return Results(path=path, manifest=manifest, runs=list(runs.values()))
