#!/usr/bin/python3
"""Figures from labkit run folders, drawn from their report.json (Debian python3-matplotlib).

  scripts/plot_report.py RUN [RUN ...] [--out DIR] [--x KEY] [--metric PATH]

What is drawn depends on what report.json holds (CONTRIBUTING.md section 6):
  "curves" (training tools)      -> curves.png, curves.svg: one panel per curve panel; several RUN
                                    folders are overlaid (series named "<folder>: <series>")
  nvr-sim claims (metrics.claims) -> claims.png, claims.svg: speedup over no prefetching and first-level
                                    demand misses per workload and prefetcher, +16 KB NSB vs L2 gain
  nvr-sim sweep (metrics.rows)    -> sweep.png, sweep.svg: the metric (speedup, or --metric, a dotted
                                    path into a case's stats such as nsb.misses) against one grid axis
                                    (--x, default the first axis that is not prefetcher.type), one line
                                    per value of the other axes
Files go into --out (default: the first RUN) under a temporary name, then are renamed into place.
Exit 2 with one line naming the file for a folder without report.json, unreadable JSON, or a report
with nothing to draw.
"""
import argparse
import json
import math
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # no display
matplotlib.rcParams["svg.hashsalt"] = "labkit"  # stable element ids in the SVG
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

# Fixed metadata so the same report gives the same SVG bytes.
SVG_METADATA = {"Date": None, "Creator": "labkit scripts/plot_report.py"}
PNG_METADATA = {"Software": "labkit scripts/plot_report.py"}
UMASK = os.umask(0)
os.umask(UMASK)


class BadInput(Exception):
    """Bad input: one line naming the file, exit 2."""


def load_report(folder):
    path = os.path.join(folder, "report.json")
    if not os.path.isdir(folder):
        raise BadInput(f"{folder}: not a folder")
    if not os.path.isfile(path):
        raise BadInput(f"{path}: missing (not a finished labkit run folder)")
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        raise BadInput(f"{path}: cannot read it as JSON ({e})") from None
    if not isinstance(report, dict):
        raise BadInput(f"{path}: not a JSON object")
    return path, report


def save(fig, out_dir, stem):
    """Writes <stem>.png and <stem>.svg into out_dir, each through a temporary name."""
    written = []
    for ext, meta in (("png", PNG_METADATA), ("svg", SVG_METADATA)):
        final = os.path.join(out_dir, f"{stem}.{ext}")
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=f".{ext}", dir=out_dir)
        os.close(fd)
        try:
            fig.savefig(tmp, format=ext, dpi=100, metadata=meta)
            if os.path.getsize(tmp) == 0:
                raise OSError(f"{tmp}: nothing written")
            os.chmod(tmp, 0o666 & ~UMASK)  # mkstemp makes 0600
            os.replace(tmp, final)
        except BaseException:
            os.unlink(tmp)
            raise
        written.append(final)
    plt.close(fig)
    return written


def finite_points(points):
    xs, ys = [], []
    for p in points:
        if isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p):
            xs.append(p[0])
            ys.append(p[1])
    return xs, ys


def check_curves(path, curves):
    if not isinstance(curves, dict) or not curves:
        raise BadInput(f"{path}: \"curves\" is empty or not an object")
    for panel, spec in curves.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("series"), dict) or not spec["series"]:
            raise BadInput(f"{path}: curves panel \"{panel}\" has no \"series\" object")
        for name, points in spec["series"].items():
            if not isinstance(points, list) or not points or not finite_points(points)[0]:
                raise BadInput(f"{path}: curves series \"{panel}\"/\"{name}\" has no [x, y] points")


def plot_curves(runs, out_dir):
    """runs: [(label, report path, curves)]; one panel per curve panel, every run overlaid."""
    panels = []
    for _, _, curves in runs:
        for panel in curves:
            if panel not in panels:
                panels.append(panel)
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        for label, _, curves in runs:
            spec = curves.get(panel)
            if spec is None:
                continue
            for name, points in spec["series"].items():
                xs, ys = finite_points(points)
                shown = name if len(runs) == 1 else f"{label}: {name}"
                ax.plot(xs, ys, marker="o" if len(xs) <= 30 else None, markersize=3, label=shown)
            ax.set_xlabel(spec.get("x", ""))
            if spec.get("y_scale") == "log":
                ax.set_yscale("log")
        ax.set_title(panel)
        if all(float(x).is_integer() for _, _, c in runs if panel in c for pts in c[panel]["series"].values()
               for x in finite_points(pts)[0]):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, steps
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, out_dir, "curves")


CLAIMS_PREFETCHERS = ["stride", "stream", "imp", "dvr", "nvr"]


def plot_claims(path, claims, out_dir):
    rows = [r for r in claims if isinstance(r, dict) and r.get("workload") != "mean" and "cycles" in r]
    if not rows:
        raise BadInput(f"{path}: metrics.claims has no workload rows with cycles")
    names = [r["workload"] for r in rows]
    shown = [p for p in CLAIMS_PREFETCHERS if all(p in r["cycles"] for r in rows)]
    fig, (ax_sp, ax_miss, ax_gain) = plt.subplots(3, 1, figsize=(max(8, 0.75 * len(rows)), 10))
    width = 0.8 / max(1, len(shown))
    x = range(len(rows))
    for k, pf in enumerate(shown):
        offs = [i - 0.4 + width * (k + 0.5) for i in x]
        ax_sp.bar(offs, [r["cycles"]["none"] / r["cycles"][pf] for r in rows], width, label=pf)
        ax_miss.bar(offs, [r["misses"][pf] / r["misses"]["none"] if r["misses"]["none"] else 0 for r in rows], width,
                    label=pf)
    ax_sp.axhline(1.0, color="black", linewidth=0.8)
    ax_sp.set_ylabel("speedup over no prefetching")
    ax_miss.set_ylabel("first-level demand misses\n(fraction of no prefetching)")
    ax_gain.bar([i - 0.2 for i in x], [100 * r["gain_nsb"] for r in rows], 0.4, label="+16 KB as an NSB (NVR)")
    ax_gain.bar([i + 0.2 for i in x], [100 * r["gain_l2_plus_16kb"] for r in rows], 0.4, label="+16 KB more L2 (NVR)")
    ax_gain.axhline(0.0, color="black", linewidth=0.8)
    ax_gain.set_ylabel("cycles gained (%)")
    mean = next((r for r in claims if isinstance(r, dict) and r.get("workload") == "mean"), None)
    if mean and "speedup_nvr_geomean" in mean:
        ax_sp.set_title(f"NVR {mean['speedup_nvr_geomean']:.2f}x geomean, best other "
                        f"{mean['speedup_best_other_geomean']:.2f}x")
    for ax in (ax_sp, ax_miss, ax_gain):
        ax.set_xticks(list(x))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        ax.grid(True, axis="y", alpha=0.3)
        ax.legend(fontsize=8, ncol=len(shown))
    fig.tight_layout()
    return save(fig, out_dir, "claims")


def dotted(obj, key):
    for part in key.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def axis_label(value):
    """A matrix path as its file stem, a density 0.015625 as 1/64, other numbers as %g."""
    if isinstance(value, str):
        return os.path.splitext(os.path.basename(value))[0]
    if isinstance(value, float) and 0 < value < 1 and abs(1 / value - round(1 / value)) < 1e-9:
        return f"1/{round(1 / value)}"
    return f"{value:g}"


def plot_sweep(path, rows, out_dir, x_key, metric):
    """The metric against one grid axis. With two or more other axes, one panel per prefetcher (when it is
    an axis) and one line per value of the rest; a panel whose values are all exactly 1 (the speedup of
    the baseline itself) is left out."""
    cases = [r for r in rows if isinstance(r, dict) and isinstance(r.get("set"), dict) and "error" not in r]
    if not cases:
        raise BadInput(f"{path}: metrics.rows has no finished sweep case")
    axes = []
    for r in cases:
        for k in r["set"]:
            if k not in axes and len({json.dumps(c["set"].get(k)) for c in cases}) > 1:
                axes.append(k)
    if not axes:
        raise BadInput(f"{path}: the sweep varies no key (nothing to draw against)")
    if x_key is None:
        x_key = next((k for k in axes if k != "prefetcher.type"), axes[0])
    elif x_key not in axes:
        raise BadInput(f"{path}: --x {x_key} is not a grid axis (axes: {', '.join(axes)})")
    value = (lambda r: r.get("speedup")) if metric == "speedup" else (lambda r: dotted(r.get("stats"), metric))
    others = [k for k in axes if k != x_key]
    panel_key = "prefetcher.type" if len(others) >= 2 and "prefetcher.type" in others else None
    line_keys = [k for k in others if k != panel_key]
    xs = []
    for r in cases:
        if r["set"][x_key] not in xs:
            xs.append(r["set"][x_key])
    numeric = all(isinstance(v, (int, float)) for v in xs)
    if numeric:
        xs.sort()
    panels = {}  # panel title -> line name -> [(x position, y)]
    for r in cases:
        y = value(r)
        if not isinstance(y, (int, float)) or not math.isfinite(y):
            continue  # a baseline-less case has no speedup
        title = f"{panel_key.split('.')[-1]}={axis_label(r['set'][panel_key])}" if panel_key else ""
        name = ", ".join(f"{k.split('.')[-1]}={axis_label(r['set'][k])}" for k in line_keys) or metric
        panels.setdefault(title, {}).setdefault(name, []).append((xs.index(r["set"][x_key]), y))
    panels = {t: lines for t, lines in panels.items()
              if not all(y == 1 for pts in lines.values() for _, y in pts) or len(panels) == 1}
    if not panels:
        raise BadInput(f"{path}: no case has a finite {metric}")
    fig, grid = plt.subplots(1, len(panels), figsize=(max(7.5, 4.2 * len(panels)), 4.5), squeeze=False,
                             sharey=True)
    for ax, (title, lines) in zip(grid[0], panels.items()):
        for name, pts in lines.items():
            pts.sort()
            ax.plot([xs[i] if numeric else i for i, _ in pts], [y for _, y in pts], marker="o", label=name)
        if numeric:
            if all(v > 0 for v in xs) and max(xs) / min(xs) >= 16:
                ax.set_xscale("log", base=2)
            if len(xs) <= 10:
                ax.set_xticks(xs)
                ax.set_xticklabels([axis_label(v) for v in xs])
                ax.minorticks_off()
        else:
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels([axis_label(v) for v in xs], rotation=20, ha="right")
        ax.set_xlabel(x_key)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    grid[0][0].set_ylabel(metric)
    fig.tight_layout()
    return save(fig, out_dir, "sweep")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("runs", nargs="+", help="labkit run folders (each with report.json)")
    p.add_argument("--out", help="folder for the figures (default: the first run folder)")
    p.add_argument("--x", help="nvr-sim sweep: the grid axis on the x axis")
    p.add_argument("--metric", default="speedup", help="nvr-sim sweep: speedup or a stats path (nsb.misses)")
    args = p.parse_args(argv)
    out_dir = args.out or args.runs[0]
    try:
        if not os.path.isdir(out_dir):
            raise BadInput(f"{out_dir}: --out is not a folder")
        names = [os.path.basename(os.path.normpath(r)) for r in args.runs]
        if len(set(names)) < len(names):  # a/run and b/run: label the series by the paths as given
            names = [os.path.normpath(r) for r in args.runs]
        reports = [(name, *load_report(r)) for name, r in zip(names, args.runs)]
        with_curves = [(label, path, rep["curves"]) for label, path, rep in reports if "curves" in rep]
        if with_curves:
            missing = [path for _, path, rep in reports if "curves" not in rep]
            if missing:
                raise BadInput(f"{missing[0]}: no \"curves\" section to overlay with the other runs")
            for _, path, curves in with_curves:
                check_curves(path, curves)
            written = plot_curves(with_curves, out_dir)
        else:
            if len(reports) > 1:
                raise BadInput(f"{reports[0][1]}: no \"curves\" section (only curves overlay several runs)")
            _, path, rep = reports[0]
            metrics = rep.get("metrics") if isinstance(rep.get("metrics"), dict) else {}
            if rep.get("tool") == "nvr-sim" and isinstance(metrics.get("claims"), list):
                written = plot_claims(path, metrics["claims"], out_dir)
            elif rep.get("tool") == "nvr-sim" and isinstance(metrics.get("rows"), list):
                written = plot_sweep(path, metrics["rows"], out_dir, args.x, args.metric)
            else:
                raise BadInput(f"{path}: nothing to draw (no \"curves\" section, not an nvr-sim claims or sweep "
                               "report)")
    except BadInput as e:
        print(f"plot_report.py: {e}", file=sys.stderr)
        return 2
    for w in written:
        print(w)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
