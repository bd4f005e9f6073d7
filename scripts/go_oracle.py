#!/usr/bin/env python3
"""Every workload beside its Go program (workloads/<name>/go): allocation volume and checksum.

Runs gclab (marksweep, a 1 GiB heap, escape analysis on, one repetition) and each Go
program (GOPATH mode, GOGC=100) at the same size, and prints a Markdown table per
workload: heap bytes and objects allocated per op in the measured loop on each side,
their ratio, and both checksums. Go's objects are runtime/metrics /gc/heap/allocs:objects
plus /gc/heap/tiny/allocs:objects (the tiny allocator packs several small
pointer-free allocations into one block; both count allocations the program made).

    scripts/go_oracle.py [--size=small|default] [--build=build] [--workloads=a,b]

Exits non-zero, with one line, when a checksum differs or a program fails.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from gclabplot.results import ResultsError, load  # noqa: E402


def fail(message):
    print(f"go_oracle: {message}", file=sys.stderr)
    sys.exit(1)


def go_run(folder, size, gopath):
    env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOPATH=gopath, GOGC="100")
    binary = os.path.join(gopath, folder)
    directory = os.path.join(ROOT, "workloads", folder, "go")
    built = subprocess.run(["go", "build", "-o", binary, "."], cwd=directory, env=env,
                           capture_output=True, text=True)
    if built.returncode != 0:
        fail(f"go build in {directory} failed: {built.stderr.strip().splitlines()[-1]}")
    ran = subprocess.run([binary, f"-size={size}"], env=env, capture_output=True, text=True)
    if ran.returncode != 0:
        fail(f"{folder}'s Go program failed: {ran.stderr.strip()}")
    return json.loads(ran.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="small", choices=("small", "default"))
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--workloads", default="")
    args = parser.parse_args()
    if shutil.which("go") is None:
        fail("no Go toolchain on PATH: install Debian's golang-go (scripts/install-deps.sh test)")
    gclab = os.path.join(args.build, "gclab")
    if not os.access(gclab, os.X_OK):
        fail(f"{gclab} is not built: scripts/configure.sh release && cmake --build --preset release")
    if args.workloads:
        workloads = args.workloads.split(",")
    else:
        listing = subprocess.run([gclab, "list"], capture_output=True, text=True, check=True).stdout
        section = listing.split("workloads:")[1]
        workloads = [line.split()[0] for line in section.splitlines()
                     if line.startswith("  ") and not line.startswith("   ")]

    with tempfile.TemporaryDirectory(prefix="gclab-go-oracle-") as scratch:
        out = os.path.join(scratch, "results")
        ran = subprocess.run([gclab, "run", "--collectors=marksweep", f"--workloads={','.join(workloads)}",
                              "--heap-mb=1024", f"--size={args.size}", "--reps=1",
                              "--escape-analysis=on", f"--out={out}"],
                             capture_output=True, text=True)
        if ran.returncode != 0:
            fail(f"gclab run failed: {ran.stderr.strip().splitlines()[-1]}")
        try:
            runs = {r.workload: r for r in load(out).runs}
        except ResultsError as e:
            fail(str(e))
        gopath = os.path.join(scratch, "gopath")
        os.makedirs(gopath)
        rows, mismatches = [], []
        for workload in workloads:
            run = runs[workload]
            if not run.ok:
                fail(f"gclab's {workload} run ended {run.status}: {run.error}")
            go = go_run(workload.replace("-", "_"), args.size, gopath)
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

    print(f"size={args.size}, escape analysis on; gclab: marksweep, 1 GiB heap; "
          f"Go: {go['go_version']}, GOGC=100\n")
    print("| workload | gclab B/op | Go B/op | gclab/Go | gclab objects/op | Go objects/op "
          "| gclab checksum | Go checksum | same |")
    print("|---|---:|---:|---:|---:|---:|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if mismatches:
        fail("; ".join(mismatches))


if __name__ == "__main__":
    main()
