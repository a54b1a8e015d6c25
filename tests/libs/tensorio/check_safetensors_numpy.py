"""Interop check: runs the C++ test that writes a safetensors file, then reads it with json + numpy only.

Usage: check_safetensors_numpy.py <tensorio_tests binary> <work dir>. Exit 77 (skip) without numpy.
"""
import json
import os
import struct
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("numpy not available: skipping")
    sys.exit(77)

binary, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "numpy_check.safetensors")
if os.path.exists(path):
    os.remove(path)
env = dict(os.environ, LABKIT_TENSORIO_INTEROP_DIR=work)
subprocess.run([binary, "--gtest_filter=SafetensorsInterop.WriteForNumpy"], env=env, check=True)

with open(path, "rb") as f:
    blob = f.read()
(n,) = struct.unpack("<Q", blob[:8])
assert n % 8 == 0, f"header length {n} is not a multiple of 8"
header = json.loads(blob[8:8 + n].decode("utf-8"))
data = blob[8 + n:]
assert header.pop("__metadata__") == {"format": "pt", "producer": "labkit"}

NP = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16, "U32": np.uint32,
      "I32": np.int32, "U64": np.uint64, "I64": np.int64, "F16": np.float16, "BF16": np.uint16,
      "F32": np.float32, "F64": np.float64}
arrays = {}
end = 0
for name, info in header.items():  # insertion order == data order, contiguous
    b, e = info["data_offsets"]
    assert b == end, f"{name}: gap or overlap at {b} (expected {end})"
    end = e
    arr = np.frombuffer(data[b:e], dtype=np.dtype(NP[info["dtype"]]).newbyteorder("<"))
    arrays[name] = (info["dtype"], arr.reshape(info["shape"]))
assert end == len(data), "data block has trailing bytes"

expected = {
    "f32": ("F32", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3)),
    "f64": ("F64", np.array([0.25, -1e300, 3.5, 1.0 / 3.0])),
    "i64": ("I64", np.array([-(1 << 40), 0, (1 << 40) + 7], dtype=np.int64)),
    "i32": ("I32", np.array([-2**31, 5], dtype=np.int32)),
    "i16": ("I16", np.array([[-300], [300]], dtype=np.int16)),
    "i8": ("I8", np.array([-128, 127], dtype=np.int8)),
    "u8": ("U8", np.array([0, 128, 255], dtype=np.uint8)),
    "u16": ("U16", np.array([65535], dtype=np.uint16)),
    "u32": ("U32", np.array([4000000000], dtype=np.uint32)),
    "u64": ("U64", np.array([18000000000000000000], dtype=np.uint64)),
    "bool": ("BOOL", np.array([[True, False], [False, True]])),
    "f16": ("F16", np.array([1.0, -2.5, 65504.0, 0.1], dtype=np.float16)),
}
assert list(arrays) == list(expected) + ["bf16"], list(arrays)
for name, (dtype, want) in expected.items():
    got_dtype, got = arrays[name]
    assert got_dtype == dtype, (name, got_dtype)
    assert got.shape == want.shape and got.dtype == want.dtype, (name, got.shape, got.dtype)
    assert np.array_equal(got, want), (name, got, want)
bf16 = (arrays["bf16"][1].astype(np.uint32) << 16).view(np.float32)
assert np.array_equal(bf16, np.array([1.5, -3.0], dtype=np.float32)), bf16
print("safetensors file readable by json + numpy:", path)
