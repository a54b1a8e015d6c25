#!/usr/bin/python3
"""Seed corpora for the fuzz harnesses: fuzz/corpus/<harness>/seed_*, small valid inputs (a few KB at most)
made from ../shared/data and the test fixtures' formats, deterministic for a given numpy/ase/h5py.
Reproducers the fuzzer found are committed beside them as crash_* (not written by this script).

    /usr/bin/python3 fuzz/make_corpus.py [SHARED_DATA_DIR]   # default: /work/shared/data
"""
import gzip, io, json, os, pickle, sqlite3, struct, subprocess, sys, tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
CORPUS = os.path.join(HERE, "corpus")


def put(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data)


def shared(rel):
    with open(os.path.join(DATA, rel), "rb") as f:
        return f.read()


# Water and ethanol (Angstrom), as the readers' fixtures use.
WATER = ([8, 1, 1], [[0.0, 0.0, 0.117], [0.0, 0.757, -0.469], [0.0, -0.757, -0.469]])
ETHANOL = ([6, 6, 8, 1, 1, 1, 1, 1, 1],
           [[-0.0014, -0.0079, 0.0], [1.5159, 0.0113, 0.0], [1.9329, 1.3646, 0.0], [-0.3898, 1.0156, 0.0],
            [-0.3810, -0.5270, 0.8852], [-0.3810, -0.5270, -0.8852], [1.8967, -0.5104, 0.8853],
            [1.8967, -0.5104, -0.8853], [2.8890, 1.3512, 0.0]])
MOLS = [WATER, ETHANOL]
rng = np.random.default_rng(7)


def record(z, pos, k, style):
    n = len(z)
    f = rng.normal(scale=0.01, size=(n, 3))
    d = {"inchikey": "XLYOFNOQVPJJNP-UHFFFAOYSA-N" if n == 3 else "LFQSCWFLJHTTHZ-UHFFFAOYSA-N",
         "confid": f"c{k}", "atom_count": n, "bond_count": 0, "edge_list": [], "edge_attr": [],
         "net_charge": 0.0, "formal_charge": [0] * n, "elements": list(z)}
    if style == "numpy":
        d.update(coordinates=np.asarray(pos, dtype=np.float64), force=f.astype(np.float32),
                 energy=np.float64(-2079.5 - k))
    else:
        d.update(coordinates=[list(map(float, p)) for p in pos], force=f.tolist(), energy=-2079.5 - k)
    return d


# qo2mol_pickle: numpy arrays (protocols 2, 4, 5) and plain lists.
for proto in (2, 4, 5):
    put("qo2mol_pickle", f"numpy_p{proto}.pkl", pickle.dumps([record(*WATER, 0, "numpy")], protocol=proto))
put("qo2mol_pickle", "lists_p4.pkl", pickle.dumps([record(*m, k, "lists") for k, m in enumerate(MOLS)], protocol=4))
put("qo2mol_pickle", "nested_p2.pkl", pickle.dumps([[[]], {"a": (1, 2.5, b"x", None, True)}], protocol=2))

# extxyz: the shared schnetpack ethanol frame and an ASE-written file with forces and info keys.
put("extxyz", "schnetpack_md_ethanol.xyz", shared("molecules/schnetpack_md_ethanol.xyz"))
from ase import Atoms
from ase.calculators.singlepoint import SinglePointCalculator
from ase.io import write as ase_write
frames = []
for k, (z, pos) in enumerate(MOLS):
    a = Atoms(numbers=z, positions=pos)
    a.calc = SinglePointCalculator(a, energy=-100.0 - k, forces=rng.normal(scale=0.1, size=(len(z), 3)))
    a.info["confid"] = f"x{k}"
    frames.append(a)
buf = io.StringIO()
ase_write(buf, frames, format="extxyz")
put("extxyz", "ase_frames.extxyz", buf.getvalue())

# sdf: V2000 with a bond block and energy/forces/InChIKey data items.
sym = {1: "H", 6: "C", 8: "O"}
sdf = []
for k, (z, pos) in enumerate(MOLS):
    bonds = [(0, 1), (0, 2)] if len(z) == 3 else [(0, 1), (1, 2), (0, 3), (0, 4), (0, 5), (1, 6), (1, 7), (2, 8)]
    s = f"m{k}\n  seed\n\n{len(z):3d}{len(bonds):3d}  0  0  0  0  0  0  0  0999 V2000\n"
    for a in range(len(z)):
        s += f"{pos[a][0]:10.4f}{pos[a][1]:10.4f}{pos[a][2]:10.4f} {sym[z[a]]:<3} 0  0  0  0  0  0  0  0  0  0  0  0\n"
    for i, j in bonds:
        s += f"{i + 1:3d}{j + 1:3d}  1  0\n"
    s += "M  CHG  1   1  -1\nM  END\n" if k == 0 else "M  END\n"
    s += f"> <energy>\n{-100.5 - k!r}\n\n> <forces>\n" + " ".join("0.01" for _ in range(3 * len(z))) + "\n\n"
    s += "> <InChIKey>\nLFQSCWFLJHTTHZ-UHFFFAOYSA-N\n\n$$$$\n"
    sdf.append(s)
put("sdf", "two.sdf", "".join(sdf))

# ase_sqlite: a two-row ASE database, vacuumed with 512-byte pages to stay small.
from ase.db import connect
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "seed.db")
    db = connect(path)
    for k, (z, pos) in enumerate(MOLS):
        a = Atoms(numbers=z, positions=pos)
        a.calc = SinglePointCalculator(a, energy=-50.0 - k, forces=np.zeros((len(z), 3)))
        db.write(a)
    con = sqlite3.connect(path)
    con.execute("PRAGMA page_size=512")
    con.execute("VACUUM")
    con.close()
    with open(path, "rb") as f:
        put("ase_sqlite", "two_rows.db", f.read())

# spice_hdf5: one molecule group, two conformers (bohr, hartree, hartree/bohr gradients).
import h5py
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "spice.h5")
    with h5py.File(path, "w", libver="latest") as h:
        g = h.create_group("water")
        g.create_dataset("atomic_numbers", data=np.array(WATER[0], dtype=np.int16))
        conf = np.array([WATER[1], WATER[1]], dtype=np.float32) / 0.529177
        g.create_dataset("conformations", data=conf)
        g.create_dataset("dft_total_energy", data=np.array([-76.4, -76.39]))
        g.create_dataset("dft_total_gradient", data=np.zeros_like(conf))
        g.create_dataset("smiles", data=np.array([b"[H]O[H]"]))
    with open(path, "rb") as f:
        put("spice_hdf5", "water.h5", f.read())

# matrix_market: the shared karate graph, the head of a real general matrix, and each field/symmetry.
put("matrix_market", "karate.mtx", shared("sparse/karate.mtx"))
west = shared("sparse/west0479.mtx").decode().splitlines()
hdr = [l for l in west if l.startswith("%")]
body = [l for l in west if not l.startswith("%")]
put("matrix_market", "west0479_head.mtx", "\n".join(hdr + ["479 479 40"] + body[1:41]) + "\n")
for field, sym_, entries in [("real", "symmetric", ["1 1 2.5", "3 1 -1e-3", "4 4 7"]),
                             ("integer", "skew-symmetric", ["2 1 3", "4 3 -2"]),
                             ("complex", "hermitian", ["1 1 1.0 0.0", "3 2 0.5 -0.5"]),
                             ("pattern", "general", ["1 2", "4 4", "2 3"])]:
    put("matrix_market", f"{field}_{sym_}.mtx",
        f"%%MatrixMarket matrix coordinate {field} {sym_}\n% seed\n4 4 {len(entries)}\n" + "\n".join(entries) + "\n")

# nvr_trace: loads, stores, dependencies, pcs, fetches and comments.
put("nvr_trace", "mixed.trace", "# seed\nR 0x1000 64\nR 0x2000 4 0\nW 0x1040 64\nR 4096 8 1 0x400123\n"
    "I 0x400000 4\nW 0xdeadbeef00 16 2 0x400200\n")

# champsim_trace: raw 64-byte input_instr records (loads, a store, a branch).
recs = b""
for k in range(6):
    ip = 0x400000 + 4 * k
    src = [0x7fff0000 + 64 * k, 0, 0, 0] if k % 2 == 0 else [0, 0, 0, 0]
    dst = [0x600000 + 8 * k, 0] if k == 3 else [0, 0]
    recs += struct.pack("<QBB2B4B2Q4Q", ip, k == 5, k == 5, 1, 0, 2, 3, 0, 0, *dst, *src)
put("champsim_trace", "six_records.champsimtrace", recs)

# safetensors: several dtypes, metadata, an empty tensor, a scalar.
def safetensors(tensors, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob
put("safetensors", "mixed.safetensors", safetensors({
    "w": ("F32", [2, 3], np.arange(6, dtype=np.float32).tobytes()),
    "b": ("BF16", [3], b"\x80\x3f" * 3),
    "i": ("I64", [2], np.array([1, -1], dtype=np.int64).tobytes()),
    "m": ("BOOL", [4], b"\x01\x00\x01\x01"),
    "e": ("F16", [0, 4], b""),
    "s": ("F64", [], np.array(3.5).tobytes())}, {"format": "pt"}))

# dbattn_scores: dbattn-bench --scores files, one F32 tensor [rows, n] with -inf masks; a rank-3 one; a
# NaN score; an F16 tensor (each bad one is an InputError).
scores = np.array([[0.5, -1.0, float("-inf"), 2.0], [1.0, 1.0, 1.0, float("-inf")]], dtype=np.float32)
put("dbattn_scores", "rows.safetensors", safetensors({"scores": ("F32", [2, 4], scores.tobytes())}))
put("dbattn_scores", "rank3.safetensors", safetensors({"s": ("F32", [2, 1, 4], scores.tobytes())}))
put("dbattn_scores", "nan.safetensors", safetensors({"s": ("F32", [1, 2], np.array([0, np.nan], np.float32).tobytes())}))
put("dbattn_scores", "f16.safetensors", safetensors({"s": ("F16", [1, 2], b"\x00\x3c\x00\x3c")}))

# config_json: the repository's nvr-sim configs that are small, and a few edited sections.
for name in ("test1-int32.json",):
    with open(os.path.join(HERE, "..", "configs", "nvr-sim", name), "rb") as f:
        put("config_json", name, f.read())
put("config_json", "sections.json", json.dumps({"npu": {"array_dim": 8}, "prefetch": {"kind": "nvr"},
                                                  "workload": {"kind": "spmv"}}))
put("config_json", "empty.json", "{}")

# config_set: --set lines (number, string, array, object, typo'd key, JSON-looking strings).
put("config_set", "lines.txt", "npu.array_dim=8\nprefetch.kind=stride\nworkload.kind=trace\nseed=3\n")
put("config_set", "typo.txt", "npu.arraydim=8\n")
put("config_set", "json_values.txt", 'workload={"kind":"spmv"}\nnpu.array_dim=1e3\nprefetch.kind="nvr"\n')

# llama2c_header: the shared model's header (size mismatch) and a tiny consistent checkpoint.
put("llama2c_header", "stories260K_header.bin", shared("llm/stories260K.bin")[:28])
dim, hidden, layers, heads, kv, vocab, seq = 8, 16, 1, 2, 2, 4, 4
hd = dim // heads
n = vocab * dim + layers * dim + layers * dim * dim + 2 * layers * dim * kv * hd + layers * dim * dim + layers * dim \
    + 3 * layers * dim * hidden + dim + seq * hd
put("llama2c_header", "tiny_shared.bin", struct.pack("<7i", dim, hidden, layers, heads, kv, vocab, seq) + b"\0" * 4 * n)
put("llama2c_header", "tiny_separate.bin",
    struct.pack("<7i", dim, hidden, layers, heads, kv, -vocab, seq) + b"\0" * 4 * (n + vocab * dim))

# llama2c_tokenizer: first byte = vocab - 259; the shared tokenizer's first pieces (specials, bytes, merges).
tok = shared("llm/llama2c_tokenizer.bin")
off, pieces = 4, []
for _ in range(300):
    score, ln = struct.unpack_from("<fi", tok, off)
    pieces.append(tok[off:off + 8 + ln])
    off += 8 + ln
put("llama2c_tokenizer", "shared_first_300.bin", bytes([300 - 259]) + tok[:4] + b"".join(pieces[:300]))
put("llama2c_tokenizer", "shared_first_259.bin", bytes([0]) + tok[:4] + b"".join(pieces[:259]))

# spm_model: the llama tests' tiny BPE model, and one trained here with byte fallback.
with open(os.path.join(HERE, "..", "tests", "libs", "llama", "data", "spm_tiny_bpe.model"), "rb") as f:
    put("spm_model", "spm_tiny_bpe.model", f.read())
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(["spm_train", f"--input={os.path.join(DATA, 'llm', 'tinystories_sample.txt')}",
                    f"--model_prefix={tmp}/m", "--vocab_size=340", "--model_type=bpe", "--byte_fallback=true", "--normalization_rule_name=identity",
                    "--minloglevel=2"], check=True, capture_output=True)
    with open(f"{tmp}/m.model", "rb") as f:
        put("spm_model", "tinystories_bpe_bytes.model", f.read())

# nifti_header: tiny NIfTI-1 (float32, little and big endian, gzip) and NIfTI-2 images.
import nibabel as nib
img = np.arange(4 * 3 * 2, dtype=np.float32).reshape(4, 3, 2)
aff = np.diag([2.0, 2.0, 3.0, 1.0])
with tempfile.TemporaryDirectory() as tmp:
    for name, im in [("f32.nii", nib.Nifti1Image(img, aff)), ("f32.nii.gz", nib.Nifti1Image(img, aff)),
                     ("i16.nii", nib.Nifti1Image(img.astype(np.int16), aff)),
                     ("f64_nifti2.nii", nib.Nifti2Image(img.astype(np.float64), aff))]:
        nib.save(im, os.path.join(tmp, name))
        with open(os.path.join(tmp, name), "rb") as f:
            put("nifti_header", name, f.read())
    be = nib.Nifti1Image(img.astype(">f4"), aff)
    be.header.set_data_dtype(">f4")
    nib.save(be, os.path.join(tmp, "be.nii"))
    with open(os.path.join(tmp, "be.nii"), "rb") as f:
        put("nifti_header", "f32_bigendian.nii", f.read())
put("nifti_header", "anatomical_header.nii", shared("medical/anatomical.nii")[:352])

# dicom_header: the start of the shared Siemens file (cut inside its header), and small Part 10 files built
# here: explicit VR little endian with a defined-length and an undefined-length sequence, and implicit VR.
dcm = gzip.decompress(shared("medical/siemens_dwi_0.dcm.gz"))
put("dicom_header", "siemens_first_3000.dcm", dcm[:3000])


def element(group, elem, vr, value, explicit=True):
    tag = struct.pack("<HH", group, elem)
    if not explicit:
        return tag + struct.pack("<I", len(value)) + value
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
        return tag + vr + b"\0\0" + struct.pack("<I", len(value)) + value
    return tag + vr + struct.pack("<H", len(value)) + value


def part10(syntax, body):
    syntax = syntax.encode() + (b"\0" if len(syntax) % 2 else b"")
    meta = element(0x0002, 0x0001, b"OB", b"\0\1") + element(0x0002, 0x0010, b"UI", syntax)
    return b"\0" * 128 + b"DICM" + element(0x0002, 0x0000, b"UL", struct.pack("<I", len(meta))) + meta + body


item = element(0x0008, 0x0100, b"SH", b"T-1234") + element(0x0008, 0x0104, b"LO", b"liver ")
seq_defined = element(0x0008, 0x2218, b"SQ", b"\xfe\xff\x00\xe0" + struct.pack("<I", len(item)) + item)
seq_undefined = (struct.pack("<HH", 0x0054, 0x0016) + b"SQ\0\0" + b"\xff\xff\xff\xff" + b"\xfe\xff\x00\xe0" +
                 b"\xff\xff\xff\xff" + item + b"\xfe\xff\x0d\xe0\0\0\0\0" + b"\xfe\xff\xdd\xe0\0\0\0\0")
body = (element(0x0008, 0x0060, b"CS", b"PT") + element(0x0028, 0x0010, b"US", struct.pack("<H", 2)) +
        element(0x0028, 0x0011, b"US", struct.pack("<H", 2)) + seq_defined + seq_undefined +
        element(0x7FE0, 0x0010, b"OW", b"\1\0\2\0\3\0\4\0"))
put("dicom_header", "explicit_le_sequences.dcm", part10("1.2.840.10008.1.2.1", body))
implicit = (element(0x0008, 0x0060, None, b"CT", False) + element(0x0028, 0x0010, None, struct.pack("<H", 1), False) +
            element(0x7FE0, 0x0010, None, b"\0\0", False))
put("dicom_header", "implicit_le.dcm", part10("1.2.840.10008.1.2", implicit))

# seganypet_prompts: targets files in each coordinate system; the first line doubles as a --point.
put("seganypet_prompts", "voxel.json", '{"targets": [{"label": 2, "points": [{"voxel": [3, 4, 5]}, '
    '{"voxel": [10, 10, 2], "positive": false}]}]}')
put("seganypet_prompts", "mm_ras.json", '{"targets": [{"points": [{"mm": [-20.0, 30.0, 0.5]}]},\n'
    ' {"label": 7, "points": [{"ras": [20.0, -30.0, 0.5], "positive": true}]}]}')
put("seganypet_prompts", "point_line.txt", "3,4,5,1\n")

# seganypet_manifest: the repository's example (files missing) and cases that name files that exist.
with open(os.path.join(HERE, "..", "configs", "seganypet-infer", "manifest-example.json"), "rb") as f:
    put("seganypet_manifest", "example.json", f.read())
put("seganypet_manifest", "present.json", '{"cases": [{"name": "a", "image": "image.nii.gz", "gt": "gt.nii.gz"}, '
    '{"name": "b.2", "image": "image.nii.gz", "prompts": "prompts.json"}]}')

# semisam_manifest: the layout `semisam-train synth` writes (train without labels, val, test) and a minimal one.
put("semisam_manifest", "synth.json", json.dumps({"cases": [
    {"name": "la000", "image": "la000.nii.gz", "label": "la000_label.nii.gz", "split": "train"},
    {"name": "la001", "image": "/abs/la001.nii.gz", "split": "train"},
    {"name": "la005", "image": "la005.nii.gz", "label": "la005_label.nii.gz", "split": "val"},
    {"name": "la006", "image": "la006.nii.gz", "label": "la006_label.nii.gz", "split": "test"}]}))
put("semisam_manifest", "minimal.json", '{"cases": [{"image": "a.nii.gz"}]}')

# puir_manifest: the Decathlon form as the phantom writes it, and labkit's "cases" form.
put("puir_manifest", "decathlon.json", '{"name": "x", "training": [{"name": "p0", "t1n": "t1n.nii.gz", "t2w": "t2w.nii.gz", '
    '"seg": "seg.nii.gz"}], "validation": [{"t1n": "t1n.nii.gz", "t2w": "t2w.nii.gz"}]}')
put("puir_manifest", "cases.json", '{"cases": [{"t1n": "t1n.nii.gz", "t2w": "t2w.nii.gz", "split": "val"}]}')

for h in sorted(os.listdir(CORPUS)):
    files = os.listdir(os.path.join(CORPUS, h))
    size = sum(os.path.getsize(os.path.join(CORPUS, h, f)) for f in files)
    print(f"{h}: {len(files)} files, {size} bytes")
