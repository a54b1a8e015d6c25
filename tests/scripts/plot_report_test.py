#!/usr/bin/python3
"""scripts/plot_report.py on small reports written here: figure files, their size, which panel each series
lands in (by its colour), the nvr-sim claims and sweep figures, and the exit-2 errors.

  plot_report_test.py PATH/TO/plot_report.py

The script's main() runs in this process (importing matplotlib once takes seconds on a busy machine);
one test runs it as a program to check the exit code and stderr of a real process.
"""
import contextlib
import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import types
import unittest

import matplotlib.image

SCRIPT = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../scripts/plot_report.py")
C0, C1 = (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E)  # matplotlib's first two series colours
_spec = importlib.util.spec_from_file_location("plot_report", SCRIPT)
plot_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plot_report)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = plot_report.main(list(args))
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", head[16:24])


def has_colour(pixels, colour, x0, x1):
    """Whether a pixel in columns [x0, x1) has `colour` (RGB bytes, +-2)."""
    region = pixels[:, x0:x1, :3] * 255
    close = (abs(region - colour) <= 2).all(axis=2)
    return bool(close.any())


def write_report(folder, report):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "report.json"), "w") as f:
        json.dump(report, f)


CURVES = {"training loss": {"x": "epoch", "y_scale": "log", "series": {"train_loss": [[1, 0.9], [2, 0.5], [3, 0.3]]}},
          "validation Dice": {"x": "epoch", "y_scale": "linear",
                              "series": {"1 click": [[1, 0.2], [2, 0.4], [3, 0.5]],
                                         "3 clicks": [[1, 0.3], [2, 0.5], [3, 0.6]]}}}


class PlotReport(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="plot_report_test.")

    def test_curves_one_panel_per_entry_series_in_their_panels(self):
        run_dir = os.path.join(self.dir, "run")
        write_report(run_dir, {"tool": "t", "curves": CURVES})
        r = run(run_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        png, svg = os.path.join(run_dir, "curves.png"), os.path.join(run_dir, "curves.svg")
        self.assertEqual(r.stdout.split(), [png, svg])
        self.assertEqual(png_size(png), (1040, 380))  # two panels of 5.2 x 3.8 in at 100 dpi
        text = read(svg)
        self.assertIn("<svg", text)
        self.assertIn("validation Dice", text)
        pixels = matplotlib.image.imread(png)
        # Left panel: only train_loss (C0). Right panel: "1 click" (C0) and "3 clicks" (C1).
        self.assertTrue(has_colour(pixels, C0, 0, 520))
        self.assertFalse(has_colour(pixels, C1, 0, 520))
        self.assertTrue(has_colour(pixels, C1, 520, 1040))
        self.assertEqual(oct(os.stat(png).st_mode & 0o777), oct(0o666 & ~current_umask()))
        self.assertEqual([f for f in os.listdir(run_dir) if f.startswith(".")], [])  # no temporary left

    def test_same_report_same_svg(self):
        run_dir = os.path.join(self.dir, "run")
        write_report(run_dir, {"tool": "t", "curves": CURVES})
        self.assertEqual(run(run_dir).returncode, 0)
        first = read(os.path.join(run_dir, "curves.svg"))
        self.assertEqual(run(run_dir).returncode, 0)
        self.assertEqual(read(os.path.join(run_dir, "curves.svg")), first)

    def test_several_runs_overlaid_into_out(self):
        a, b, out = (os.path.join(self.dir, n) for n in ("a", "b", "out"))
        write_report(a, {"tool": "t", "curves": CURVES})
        write_report(b, {"tool": "t", "curves": {"training loss": CURVES["training loss"]}})
        os.makedirs(out)
        r = run(a, b, "--out", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("a: train_loss", read(os.path.join(out, "curves.svg")))
        self.assertIn("b: train_loss", read(os.path.join(out, "curves.svg")))
        self.assertFalse(os.path.exists(os.path.join(a, "curves.png")))
        # Two folders of the same name: the series are labelled by the paths as given.
        x, y = os.path.join(self.dir, "x", "run"), os.path.join(self.dir, "y", "run")
        write_report(x, {"tool": "t", "curves": CURVES})
        write_report(y, {"tool": "t", "curves": CURVES})
        self.assertEqual(run(x, y, "--out", out).returncode, 0)
        self.assertIn(f"{x}: train_loss", read(os.path.join(out, "curves.svg")))

    def test_errors_exit_2_naming_the_file(self):
        empty = os.path.join(self.dir, "empty")
        os.makedirs(empty)
        r = subprocess.run(["/usr/bin/python3", SCRIPT, empty], capture_output=True, text=True)  # a real process
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, f"plot_report.py: {empty}/report.json: missing (not a finished labkit run folder)\n")
        self.assertEqual(r.stdout, "")
        no_curves = os.path.join(self.dir, "nocurves")
        write_report(no_curves, {"tool": "t", "metrics": {"x": 1}})
        r = run(no_curves)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{no_curves}/report.json: nothing to draw", r.stderr)
        broken = os.path.join(self.dir, "broken")
        os.makedirs(broken)
        with open(os.path.join(broken, "report.json"), "w") as f:
            f.write("{not json")
        r = run(broken)
        self.assertEqual(r.returncode, 2)
        self.assertIn(f"{broken}/report.json: cannot read it as JSON", r.stderr)
        bad_series = os.path.join(self.dir, "badseries")
        write_report(bad_series, {"tool": "t", "curves": {"loss": {"x": "step", "series": {"a": []}}}})
        r = run(bad_series)
        self.assertEqual(r.returncode, 2)
        self.assertIn('curves series "loss"/"a" has no [x, y] points', r.stderr)
        for folder in (empty, no_curves, broken, bad_series):
            self.assertFalse(any(f.endswith((".png", ".svg")) for f in os.listdir(folder)), folder)

    def test_nvr_claims(self):
        rows = []
        for w, none in (("w1", 1000), ("w2", 3000)):
            cycles = {"none": none, "stride": none, "stream": none / 1.2, "imp": none / 1.1, "dvr": none / 1.5,
                      "nvr": none / 2}
            rows.append({"workload": w, "cycles": cycles, "misses": {k: v / 10 for k, v in cycles.items()},
                         "gain_nsb": 0.05, "gain_l2_plus_16kb": 0.01})
        rows.append({"workload": "mean", "speedup_nvr_geomean": 2.0, "speedup_best_other_geomean": 1.5})
        d = os.path.join(self.dir, "claims")
        write_report(d, {"tool": "nvr-sim", "metrics": {"claims": rows}})
        r = run(d)
        self.assertEqual(r.returncode, 0, r.stderr)
        svg = read(os.path.join(d, "claims.svg"))
        self.assertIn("NVR 2.00x geomean, best other 1.50x", svg)
        self.assertEqual(png_size(os.path.join(d, "claims.png")), (800, 1000))

    def test_nvr_sweep_axis_and_metric(self):
        rows = []
        for pf in ("none", "nvr"):
            for dens in (0.25, 0.0625, 0.015625):
                rows.append({"case": f"{pf}-{dens}", "speedup": 1.0 if pf == "none" else 1 / dens,
                             "set": {"prefetcher.type": pf, "workload.density": dens},
                             "stats": {"nsb": {"misses": int(100 * dens)}}})
        rows.append({"case": "broken", "set": {"prefetcher.type": "nvr", "workload.density": 0.5}, "error": "x"})
        d = os.path.join(self.dir, "sweep")
        write_report(d, {"tool": "nvr-sim", "metrics": {"rows": rows}})
        r = run(d)
        self.assertEqual(r.returncode, 0, r.stderr)
        svg = read(os.path.join(d, "sweep.svg"))
        self.assertIn("workload.density", svg)  # the default x: the axis that is not the prefetcher
        self.assertIn("type=nvr", svg)
        r = run(d, "--metric", "nsb.misses", "--x", "prefetcher.type")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nsb.misses", read(os.path.join(d, "sweep.svg")))
        r = run(d, "--x", "npu.array_dim")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--x npu.array_dim is not a grid axis (axes: prefetcher.type, workload.density)", r.stderr)


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


if __name__ == "__main__":
    unittest.main()
