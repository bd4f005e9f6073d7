#!/usr/bin/env python3
"""Library-backed baselines against the libraries themselves, in one sitting.

Runs the native reference programs (bench/native: GCBench and churn written directly
against libgc and against jemalloc) next to gclab's bdw and malloc-marksweep (and
marksweep, gclab's own collector, for scale) on the same workloads, sizes and heaps,
in interleaved rounds, and prints medians and the ratio in-harness / native. The native
programs are written as each library's users write them: natural layouts (no word for
gclab's header), libgc's defaults, GC_MALLOC_ATOMIC for data without pointers. Two
control columns: the libgc program with gclab's header word added to every object, and
the jemalloc program without its frees.

A second table is the floor: each program over a bump allocator that never frees, and
gclab's nogc on the same workload (both with room for everything the run allocates,
prefaulted). gclab's nogc over the native bump program is what gclab's runtime itself
costs the program (frames with precise slots, headers, polls, stores through the barrier
interface), which every gclab collector pays.

  scripts/native.py [--reps=5] [--size=default] [--build=build] [--out=DIR]
                    [--cases=binary-trees:64,binary-trees:1024,churn:300,churn:2048]

A case is workload:heap-MiB, the heap budget of gclab's runs. The native programs
run with the libraries' defaults: libgc grows its heap and collects by its own policy,
as it does inside gclab (where the budget only caps the bytes in use), and jemalloc has
no heap size. Needs a release build (scripts/main.sh or cmake --preset release && cmake
--build --preset release); only the Python standard library.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile

NATIVE = {"binary-trees": "gcbench", "churn": "churn"}
# gclab collector -> the native library it stands for
PAIRS = (("bdw", "libgc"), ("malloc-marksweep", "jemalloc"))
FLOOR = ("nogc", "bump")


def fail(message):
    print(f"native.py: {message}", file=sys.stderr)
    sys.exit(2)


def parse_cases(text):
    cases = []
    for item in text.split(","):
        workload, _, heap = item.partition(":")
        if workload not in NATIVE or not heap.isdigit() or int(heap) < 1:
            fail(f"--cases: '{item}' is not workload:heap-MiB; valid workloads: "
                 f"{', '.join(NATIVE)}")
        cases.append((workload, int(heap)))
    return cases


def run_native(build, workload, library, size, extra=()):
    program = os.path.join(build, "native", f"gclab_native_{NATIVE[workload]}_{library}")
    out = subprocess.run([program, f"--size={size}", *extra], capture_output=True, text=True)
    fields = dict(f.split("=", 1) for f in out.stdout.split() if "=" in f)
    if out.returncode != 0 or fields.get("check") != "ok":
        fail(f"{program} failed: {out.stdout.strip()} {out.stderr.strip()}")
    return float(fields["wall_s"])


def floor_heap_mb(alloc_bytes):
    """Room for everything a run allocates (nogc and the bump program never free)."""
    return int(alloc_bytes * 1.1) // (1 << 20) + 64


def run_gclab(build, workload, size, heap_mb, collectors, seed, folder):
    args = [os.path.join(build, "gclab"), "run", f"--collectors={','.join(collectors)}",
            f"--workloads={workload}", f"--size={size}", f"--heap-mb={heap_mb}", "--reps=1",
            f"--seed={seed}", f"--out={folder}"]
    out = subprocess.run(args, capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"gclab failed: {out.stderr.strip().splitlines()[-1:]}")
    with open(os.path.join(folder, "runs.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    walls = {}
    for row in rows:
        if row["status"] != "ok":
            fail(f"gclab {row['collector']} on {workload} at {heap_mb} MiB: {row['status']} "
                 f"{row['error']}")
        walls[row["collector"]] = (float(row["wall_s"]), row.get("noisy") == "1",
                                   int(row["heap_alloc_bytes"]))
    return walls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--size", default="default", choices=("small", "default", "large"))
    parser.add_argument("--build", default="build")
    parser.add_argument("--out", default=None, help="keep gclab's results folders here")
    parser.add_argument("--cases", default="binary-trees:64,binary-trees:1024,churn:300,churn:2048")
    args = parser.parse_args()
    if args.reps < 1:
        fail("--reps: at least 1")
    cases = parse_cases(args.cases)
    workloads = list(dict.fromkeys(w for w, _ in cases))  # in the order given
    for workload in workloads:
        for _, library in PAIRS + (FLOOR,):
            program = os.path.join(args.build, "native",
                                   f"gclab_native_{NATIVE[workload]}_{library}")
            if not os.access(program, os.X_OK):
                fail(f"{program} is missing: build the release preset first")
    out_root = args.out or tempfile.mkdtemp(prefix="gclab-native-")
    collectors = [c for c, _ in PAIRS] + ["marksweep"]
    native = {}   # (workload, heap, library) -> [wall]
    harness = {}  # (workload, heap, collector) -> [wall]
    floor_mb = {}  # workload -> heap of the floor runs, from the first round's allocation
    noisy = 0
    for rep in range(1, args.reps + 1):
        for workload, heap in cases:
            for _, library in PAIRS:
                native.setdefault((workload, heap, library), []).append(
                    run_native(args.build, workload, library, args.size))
            # The controls: libgc with gclab's header word in every object (what the
            # header costs the library), and jemalloc when the program never frees, as a
            # collector on malloc that has not collected yet.
            native.setdefault((workload, heap, "libgc --header-word"), []).append(
                run_native(args.build, workload, "libgc", args.size, ["--header-word"]))
            native.setdefault((workload, heap, "jemalloc --no-free"), []).append(
                run_native(args.build, workload, "jemalloc", args.size, ["--no-free"]))
            folder = os.path.join(out_root, f"{workload}-{heap}-r{rep}")
            for collector, (wall, was_noisy, allocated) in run_gclab(
                    args.build, workload, args.size, heap, collectors, rep, folder).items():
                harness.setdefault((workload, heap, collector), []).append(wall)
                noisy += was_noisy
                floor_mb.setdefault(workload, floor_heap_mb(allocated))
        for workload in workloads:
            heap = floor_mb[workload]
            native.setdefault((workload, "floor", FLOOR[1]), []).append(
                run_native(args.build, workload, FLOOR[1], args.size, [f"--heap-mb={heap}"]))
            folder = os.path.join(out_root, f"{workload}-floor-r{rep}")
            wall, was_noisy, _ = run_gclab(args.build, workload, args.size, heap, [FLOOR[0]],
                                           rep, folder)[FLOOR[0]]
            harness.setdefault((workload, "floor", FLOOR[0]), []).append(wall)
            noisy += was_noisy
        print(f"round {rep}/{args.reps} done", file=sys.stderr)

    print(f"medians of {args.reps} runs, wall time of the measured work (size {args.size}); "
          f"ratio = in gclab / native")
    print(f"{'workload':<13} {'heap':>8}  {'library':<9} {'native':>9}  {'collector':<17} "
          f"{'in gclab':>9}  {'ratio':>6}  {'marksweep':>9}  {'libgc, header word':>18}  "
          f"{'jemalloc, no free':>17}")
    for workload, heap in cases:
        marksweep = statistics.median(harness[(workload, heap, "marksweep")])
        no_free = statistics.median(native[(workload, heap, "jemalloc --no-free")])
        header_word = statistics.median(native[(workload, heap, "libgc --header-word")])
        for collector, library in PAIRS:
            n = statistics.median(native[(workload, heap, library)])
            h = statistics.median(harness[(workload, heap, collector)])
            print(f"{workload:<13} {heap:>5} MiB  {library:<9} {n:>8.3f}s  {collector:<17} "
                  f"{h:>8.3f}s  {h / n:>5.2f}x  {marksweep:>8.3f}s  {header_word:>17.3f}s  "
                  f"{no_free:>16.3f}s")
    print("marksweep: gclab's own mark-sweep in the same runs; libgc, header word: the native "
          "libgc program with gclab's header word added to every object; jemalloc, no free: "
          "the native program over jemalloc that never frees (what deferring every free "
          "costs)")
    print()
    print("the floor, no memory manager: native bump allocator and gclab's nogc, heap = all "
          "the run allocates; runtime = gclab nogc / native bump (what gclab's runtime adds)")
    print(f"{'workload':<13} {'heap':>8}  {'native bump':>11}  {'gclab nogc':>10}  {'runtime':>7}")
    for workload in workloads:
        bump = statistics.median(native[(workload, "floor", FLOOR[1])])
        nogc = statistics.median(harness[(workload, "floor", FLOOR[0])])
        print(f"{workload:<13} {floor_mb[workload]:>5} MiB  {bump:>10.3f}s  {nogc:>9.3f}s  "
              f"{nogc / bump:>6.2f}x")
    if noisy:
        print(f"note: {noisy} gclab runs were flagged noisy (the machine was busy); "
              "figures from this sitting are suspect")
    print(f"gclab results: {out_root}")


if __name__ == "__main__":
    main()
