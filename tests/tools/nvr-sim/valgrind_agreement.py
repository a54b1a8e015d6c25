#!/usr/bin/python3
"""nvr-sim's cache model against valgrind's cache simulator, exactly.

For each small C kernel (valgrind/*.c: CSR SpMV, CSR SpMM, a 2D stencil; built without libc so the
whole trace is the kernel) and each cache geometry:
  1. trace it with lackey (--trace-mem=yes: instruction fetches, loads, stores, modifies with sizes);
  2. run cachegrind and callgrind with --D1/--LL set to the geometry (and --I1 = --D1);
  3. replay the trace in nvr-sim in program order (workload.trace_order=program, LRU, no prefetcher,
     NSB = D1, L2 = LL, l2.writeback_allocate=false: valgrind models no writeback traffic);
  4. require every miss count to be equal: first level read and write (D1mr, D1mw), instruction side
     (I1mr), LL reads (ILmr + DLmr) and LL writes (DLmw).
A "modify" (M, read-modify-write of one operand) is one access: cachegrind counts it as a read,
callgrind as a write, so the trace given to nvr-sim has it as R for the one and W for the other.
callgrind counts instructions per basic block slightly differently from lackey and cachegrind (its Ir
differs), so against callgrind only the data-side counts are compared (D1mr, D1mw, DLmw); against
cachegrind everything is.

Usage: valgrind_agreement.py --nvr-sim build/bin/nvr-sim [--keep DIR] [--table]
Exit 0 when every count agrees, 1 otherwise, 77 (skipped) when valgrind or gcc is missing.
"""
import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
KERNELS = ["spmv", "spmm", "stencil"]
# (D1 size, assoc, line), (LL size, assoc, line); sizes in bytes, whole KiB for nvr-sim.
GEOMETRIES = [
    ((1024, 2, 64), (4096, 4, 64)),
    ((2048, 1, 32), (8192, 2, 32)),  # direct-mapped first level, 32-byte lines
    ((1024, 16, 64), (16384, 8, 64)),  # fully associative first level
    ((4096, 4, 128), (8192, 8, 128)),
]


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr[-2000:]}")
    return r


def build_and_trace(kernel, work):
    exe = os.path.join(work, kernel)
    run(["gcc", "-O1", "-static", "-nostdlib", "-fno-stack-protector", "-fno-pie", "-no-pie",
         "-I", os.path.join(HERE, "valgrind"), "-o", exe, os.path.join(HERE, "valgrind", kernel + ".c")])
    log = exe + ".lackey"
    run(["valgrind", "--tool=lackey", "--trace-mem=yes", "--log-file=" + log, exe])
    traces = {}
    for modify_as in ("R", "W"):
        out = []
        for line in open(log):
            if line.startswith("=="):
                continue
            kind, rest = line[:2].strip(), line[2:].strip()
            addr, size = rest.split(",")
            op = {"I": "I", "L": "R", "S": "W", "M": modify_as}[kind]
            out.append(f"{op} 0x{addr} {size}\n")
        path = f"{exe}.M{modify_as}.trace"
        with open(path, "w") as f:
            f.writelines(out)
        traces[modify_as] = path
    return exe, traces


def valgrind_counts(tool, exe, geo, work):
    (d1, ll) = geo
    fmt = lambda g: ",".join(map(str, g))
    out = os.path.join(work, f"{os.path.basename(exe)}.{tool}.{fmt(d1)}.{fmt(ll)}.out")
    run(["valgrind", f"--tool={tool}", "--cache-sim=yes", f"--D1={fmt(d1)}", f"--I1={fmt(d1)}",
         f"--LL={fmt(ll)}", f"--{tool}-out-file={out}", exe])
    events = summary = None
    for line in open(out):
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:"):
            summary = [int(v) for v in line.split()[1:]]
    return dict(zip(events, summary))


def nvr_counts(nvr_sim, trace, geo, work):
    (d1, ll) = geo
    out = tempfile.mkdtemp(dir=work)
    sets = []
    for sec, (size, ways, line) in (("nsb", d1), ("l2", ll)):
        sets += [f"{sec}.enabled=true", f"{sec}.size_kb={size // 1024}", f"{sec}.ways={ways}",
                 f"{sec}.line_bytes={line}", f"{sec}.repl=lru"]
    sets += ["l2.writeback_allocate=false", "prefetcher.type=none", "baseline=none",
             "workload.kind=trace", f"workload.trace={trace}", "workload.trace_order=program"]
    cmd = [nvr_sim, "run", "--out", out, "--force"]
    for s in sets:
        cmd += ["--set", s]
    run(cmd)
    st = json.load(open(os.path.join(out, "stats.json")))
    nsb, l2, l1i = st["nsb"], st["l2"], st["l1i"]
    i = lambda v: int(round(v))
    return {
        "Ir": i(l1i["accesses"]), "I1mr": i(l1i["misses"]),
        "Dr": i(nsb["accesses"] - nsb["write_accesses"]), "Dw": i(nsb["write_accesses"]),
        "D1mr": i(nsb["misses"] - nsb["write_misses"]), "D1mw": i(nsb["write_misses"]),
        "LLmr": i(l2["misses"] - l2["write_misses"]), "DLmw": i(l2["write_misses"]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nvr-sim", required=True)
    ap.add_argument("--keep", help="work folder to keep (default: a temporary one, removed)")
    ap.add_argument("--table", action="store_true", help="print a markdown table of the counts")
    args = ap.parse_args()
    for tool in ("valgrind", "gcc"):
        if not shutil.which(tool):
            print(f"skipped: {tool} not found (scripts/setup.sh installs it)")
            return 77
    work = args.keep or tempfile.mkdtemp(prefix="nvr_vg_")
    os.makedirs(work, exist_ok=True)
    nvr_sim = os.path.abspath(args.nvr_sim)
    try:
        with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            built = dict(zip(KERNELS, pool.map(lambda k: build_and_trace(k, work), KERNELS)))
            jobs = {}
            for k in KERNELS:
                exe, traces = built[k]
                for gi, geo in enumerate(GEOMETRIES):
                    jobs[(k, gi, "cachegrind")] = pool.submit(valgrind_counts, "cachegrind", exe, geo, work)
                    jobs[(k, gi, "callgrind")] = pool.submit(valgrind_counts, "callgrind", exe, geo, work)
                    jobs[(k, gi, "nvr-R")] = pool.submit(nvr_counts, nvr_sim, traces["R"], geo, work)
                    jobs[(k, gi, "nvr-W")] = pool.submit(nvr_counts, nvr_sim, traces["W"], geo, work)
            res = {key: f.result() for key, f in jobs.items()}
        bad = 0
        rows = []
        for k in KERNELS:
            for gi, geo in enumerate(GEOMETRIES):
                cg, cl = res[(k, gi, "cachegrind")], res[(k, gi, "callgrind")]
                nr, nw = res[(k, gi, "nvr-R")], res[(k, gi, "nvr-W")]
                checks = [
                    ("cachegrind Ir", cg["Ir"], nr["Ir"]), ("cachegrind Dr", cg["Dr"], nr["Dr"]),
                    ("cachegrind Dw", cg["Dw"], nr["Dw"]), ("cachegrind I1mr", cg["I1mr"], nr["I1mr"]),
                    ("cachegrind D1mr", cg["D1mr"], nr["D1mr"]), ("cachegrind D1mw", cg["D1mw"], nr["D1mw"]),
                    ("cachegrind ILmr+DLmr", cg["ILmr"] + cg["DLmr"], nr["LLmr"]),
                    ("cachegrind DLmw", cg["DLmw"], nr["DLmw"]),
                    ("callgrind Dr", cl["Dr"], nw["Dr"]), ("callgrind Dw", cl["Dw"], nw["Dw"]),
                    ("callgrind D1mr", cl["D1mr"], nw["D1mr"]), ("callgrind D1mw", cl["D1mw"], nw["D1mw"]),
                    ("callgrind DLmw", cl["DLmw"], nw["DLmw"]),
                ]
                for name, want, got in checks:
                    if want != got:
                        bad += 1
                        print(f"MISMATCH {k} D1={geo[0]} LL={geo[1]} {name}: valgrind {want}, nvr-sim {got}")
                rows.append((k, geo, cg, nr, cl))
        if args.table:
            print("| kernel | D1 (size,ways,line) | LL | D1 read misses | D1 write misses | LL read misses (I+D) | LL write misses | I1 misses |")
            print("|---|---|---|---|---|---|---|---|")
            for k, geo, cg, nr, cl in rows:
                print(f"| {k} | {geo[0]} | {geo[1]} | {cg['D1mr']} / {nr['D1mr']} | {cg['D1mw']} / {nr['D1mw']} | "
                      f"{cg['ILmr'] + cg['DLmr']} / {nr['LLmr']} | {cg['DLmw']} / {nr['DLmw']} | {cg['I1mr']} / {nr['I1mr']} |")
        n = len(rows)
        print(f"{'FAIL' if bad else 'OK'}: {n} kernel x geometry cases, {n * 13 - bad} of {n * 13} counts equal "
              f"(cachegrind and callgrind vs nvr-sim program-order replay)")
        return 1 if bad else 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
