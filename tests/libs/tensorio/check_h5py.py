"""Interop check with h5py, both directions: the C++ test writes h5py_check.h5 and this script verifies
values, float16/bfloat16/bool types, attributes, chunks and compression; then this script writes
from_h5py.h5 and the C++ test H5Interop.ReadFromH5py reads it.

Usage: check_h5py.py <tensorio_tests binary> <work dir>. Exit 77 (skip) without h5py.
"""
import os
import subprocess
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py/numpy not available: skipping")
    sys.exit(77)

binary, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
env = dict(os.environ, LABKIT_TENSORIO_INTEROP_DIR=work)
path = os.path.join(work, "h5py_check.h5")
if os.path.exists(path):
    os.remove(path)
subprocess.run([binary, "--gtest_filter=H5Interop.WriteForH5py"], env=env, check=True)

with h5py.File(path, "r") as f:
    d = f["data/f32"]
    assert d.dtype == np.float32 and d.shape == (64, 10), (d.dtype, d.shape)
    assert np.array_equal(d[()], (np.arange(640, dtype=np.float32) * 0.5).reshape(64, 10))
    assert d.chunks == (16, 10), d.chunks
    assert d.compression == "gzip" and d.compression_opts == 4, (d.compression, d.compression_opts)
    assert d.shuffle
    assert d.attrs["units"] == "mm", d.attrs["units"]
    assert d.attrs["scale"] == 2.5 and d.attrs["count"] == 7
    assert np.array_equal(f["data"].attrs["spacing"], [1.0, 2.0, 3.0])
    h = f["data/f16"]
    assert h.dtype == np.float16, h.dtype
    assert np.array_equal(h[()], np.array([1.0, 0.5, -2.0, 65504.0, 2.0**-24], dtype=np.float16)), h[()]
    b = f["data/bf16"][()]
    assert np.array_equal(b, np.array([1.5, -3.0, 256.0], dtype=np.float32)), b
    m = f["data/bool"]
    assert m.dtype == np.bool_, m.dtype
    assert m[()].tolist() == [True, False, False, True]
    assert f["data/i64"][()].tolist() == [-(1 << 40), 0, 9] and f["data/i64"].dtype == np.int64
    assert f["u8"].shape == () and f["u8"][()] == 42 and f["u8"].dtype == np.uint8
    assert f.attrs["title"] == "labkit interop"
print("C++ -> h5py ok:", path)

out = os.path.join(work, "from_h5py.h5")
with h5py.File(out, "w") as f:
    f["f16"] = np.array([0.5, -1.0, 2048.0], dtype=np.float16)
    f["mask"] = np.array([True, False, True])
    v = f.create_dataset("grp/vals", data=np.arange(20, dtype=np.int32).reshape(10, 2), chunks=(5, 2),
                         compression="gzip")
    v.attrs["units"] = "s"
    f["grp"].attrs["rate"] = 0.75
    f["grp"].attrs["n"] = np.int64(12)
    f.attrs["fixed"] = np.bytes_(b"abc")
proc = subprocess.run([binary, "--gtest_filter=H5Interop.ReadFromH5py"], env=env, capture_output=True, text=True)
print(proc.stdout[-3000:], proc.stderr[-2000:])
assert proc.returncode == 0, "C++ could not read the h5py file"
assert "1 test" in proc.stdout and "SKIPPED" not in proc.stdout.split("PASSED")[-1], "ReadFromH5py did not run"
print("h5py -> C++ ok:", out)
