#!/usr/bin/env python3
"""Every workload beside its Go program (workloads/<name>/go): allocation, checksums, pauses.

Default (allocation volume): runs gclab (marksweep, a 1 GiB heap, escape analysis on,
one repetition) and each Go program at the same size, and prints a Markdown table per
workload: heap bytes and objects allocated per op in the measured loop on each side,
their ratio, and both checksums. Go's objects are runtime/metrics
/gc/heap/allocs:objects plus /gc/heap/tiny/allocs:objects (the tiny allocator packs
several small pointer-free allocations into one block; both count allocations the
program made). Exits non-zero, with one line, when a checksum differs.

--pauses: Go's own collector (GOGC=100) against gclab's Go-like one with Go's goal
(concurrent:gogc=100, a 1 GiB budget so that the goal, not the budget, paces it), each
workload --reps times, alternating the two, at --size (default: default). Medians of
throughput, collection cycles and pause p50/p99/max, with the host's floor from the
same gclab runs (the hiccup meter's largest stall: what the machine alone did to a
thread that only sleeps and wakes). Go's pause quantiles are the upper bounds of the
runtime's /gc/pauses:seconds histogram buckets; gclab's are exact.

    scripts/go_oracle.py [--size=small|default] [--build=build] [--workloads=a,b]
    scripts/go_oracle.py --pauses [--size=default] [--reps=5]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from gclabplot.results import ResultsError, load  # noqa: E402


def fail(message):
    print(f"go_oracle: {message}", file=sys.stderr)
    sys.exit(1)


def go_build(folder, gopath):
    binary = os.path.join(gopath, folder)
    directory = os.path.join(ROOT, "workloads", folder, "go")
    built = subprocess.run(["go", "build", "-o", binary, "."], cwd=directory, env=go_env(gopath),
                           capture_output=True, text=True)
    if built.returncode != 0:
        fail(f"go build in {directory} failed: {built.stderr.strip().splitlines()[-1]}")
    return binary


def go_env(gopath):
    return dict(os.environ, GO111MODULE="off", GOFLAGS="", GOPATH=gopath, GOGC="100")


def go_run(binary, size, gopath):
    ran = subprocess.run([binary, f"-size={size}"], env=go_env(gopath), capture_output=True,
                         text=True)
    if ran.returncode != 0:
        fail(f"{os.path.basename(binary)}'s Go program failed: {ran.stderr.strip()}")
    return json.loads(ran.stdout.strip().splitlines()[-1])


def gclab_run(gclab, collector, workloads, size, out):
    ran = subprocess.run([gclab, "run", f"--collectors={collector}",
                          f"--workloads={','.join(workloads)}", "--heap-mb=1024",
                          f"--size={size}", "--reps=1", "--escape-analysis=on", f"--out={out}"],
                         capture_output=True, text=True)
    if ran.returncode != 0:
        fail(f"gclab run failed: {ran.stderr.strip().splitlines()[-1]}")
    try:
        runs = {r.workload: r for r in load(out).runs}
    except ResultsError as e:
        fail(str(e))
    for workload, run in runs.items():
        if not run.ok:
            fail(f"gclab's {workload} run on {collector} ended {run.status}: {run.error}")
    return runs


def volume_table(gclab, workloads, size, scratch):
    runs = gclab_run(gclab, "marksweep", workloads, size, os.path.join(scratch, "results"))
    gopath = os.path.join(scratch, "gopath")
    rows, mismatches, version = [], [], ""
    for workload in workloads:
        run = runs[workload]
        go = go_run(go_build(workload.replace("-", "_"), gopath), size, gopath)
        version = go["go_version"]
        ops = run.get("ops")
        if go["ops"] != ops:
            mismatches.append(f"{workload}: {ops} ops in gclab, {go['ops']} in Go")
        go_objects = go["heap_alloc_objects"] + go["heap_tiny_objects"]
        gclab_bytes = run.get("heap_alloc_bytes") / ops
        go_bytes = go["heap_alloc_bytes"] / go["ops"]
        same = run.checksum == go["checksum"]
        if not same:
            mismatches.append(f"{workload}: checksum {run.checksum} in gclab, {go['checksum']} in Go")
        rows.append((workload, f"{gclab_bytes:.1f}", f"{go_bytes:.1f}",
                     f"{gclab_bytes / go_bytes:.2f}" if go_bytes else "-",
                     f"{run.get('heap_alloc_objects') / ops:.3f}", f"{go_objects / go['ops']:.3f}",
                     run.checksum, go["checksum"], "yes" if same else "**no**"))
    print(f"size={size}, escape analysis on; gclab: marksweep, 1 GiB heap; Go: {version}, GOGC=100\n")
    print("| workload | gclab B/op | Go B/op | gclab/Go | gclab objects/op | Go objects/op "
          "| gclab checksum | Go checksum | same |")
    print("|---|---:|---:|---:|---:|---:|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if mismatches:
        fail("; ".join(mismatches))


def pauses_table(gclab, workloads, size, reps, scratch):
    gopath = os.path.join(scratch, "gopath")
    binaries = {w: go_build(w.replace("-", "_"), gopath) for w in workloads}
    go_samples = {w: [] for w in workloads}
    gclab_samples = {w: [] for w in workloads}
    version = ""
    for rep in range(reps):
        for workload in workloads:
            # Alternated, so that a slow spell of the machine falls on both sides.
            out = os.path.join(scratch, f"r{rep}-{workload}")
            gclab_samples[workload].append(
                gclab_run(gclab, "concurrent:gogc=100", [workload], size, out)[workload])
            go = go_run(binaries[workload], size, gopath)
            version = go["go_version"]
            go_samples[workload].append(go)

    def median(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else float("nan")

    print(f"size={size}, escape analysis on, medians of {reps} alternated runs; "
          f"Go: {version}, GOGC=100; gclab: concurrent:gogc=100, 1 GiB budget\n")
    print("| workload | Go Mops/s | gclab Mops/s | gclab/Go | Go cycles | gclab cycles "
          "| Go pause p50 / p99 / max (us, bucket bounds) | gclab pause p50 / p99 / max (us) "
          "| host floor (us) |")
    print("|---|---:|---:|---:|---:|---:|---|---|---:|")
    for workload in workloads:
        go, ours = go_samples[workload], gclab_samples[workload]
        go_rate = median([g["ops_per_s"] for g in go]) / 1e6
        our_rate = median([r.get("ops_per_s") for r in ours]) / 1e6
        print(f"| {workload} | {go_rate:.2f} | {our_rate:.2f} | {our_rate / go_rate:.2f} "
              f"| {median([g['gc_cycles'] for g in go]):.0f} "
              f"| {median([r.get('collections') for r in ours]):.0f} "
              f"| {median([g['pause_p50_us_upper'] for g in go]):.0f} / "
              f"{median([g['pause_p99_us_upper'] for g in go]):.0f} / "
              f"{median([g['pause_max_us_upper'] for g in go]):.0f} "
              f"| {median([r.get('pause_p50_us') for r in ours]):.0f} / "
              f"{median([r.get('pause_p99_us') for r in ours]):.0f} / "
              f"{median([r.get('pause_max_us') for r in ours]):.0f} "
              f"| {median([r.get('hiccup_max_us') for r in ours]):.0f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pauses", action="store_true",
                        help="Go's collector against concurrent:gogc=100 (pauses, throughput)")
    parser.add_argument("--size", default=None, choices=("small", "default"))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--workloads", default="")
    args = parser.parse_args()
    if shutil.which("go") is None:
        fail("no Go toolchain on PATH: install Debian's golang-go (scripts/install-deps.sh test)")
    gclab = os.path.join(args.build, "gclab")
    if not os.access(gclab, os.X_OK):
        fail(f"{gclab} is not built: scripts/configure.sh release && cmake --build --preset release")
    if args.reps < 1:
        fail(f"--reps must be at least 1, got {args.reps}")
    listing = subprocess.run([gclab, "list"], capture_output=True, text=True, check=True).stdout
    known = [line.split()[0] for line in listing.split("workloads:")[1].splitlines()
             if line.startswith("  ") and not line.startswith("   ")]
    workloads = args.workloads.split(",") if args.workloads else known
    for workload in workloads:
        if workload not in known:
            fail(f"unknown workload '{workload}'; valid: {', '.join(known)}")
    with tempfile.TemporaryDirectory(prefix="gclab-go-oracle-") as scratch:
        if args.pauses:
            pauses_table(gclab, workloads, args.size or "default", args.reps, scratch)
        else:
            volume_table(gclab, workloads, args.size or "small", scratch)


if __name__ == "__main__":
    main()
