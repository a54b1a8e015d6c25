#!/usr/bin/python3
"""Writes tests/libs/sammed3d/data/parity_upstream.safetensors: outputs of the UPSTREAM SAM-Med3D modules
(uni-medical/SAM-Med3D segment_anything/modeling/{image_encoder3D,prompt_encoder3D,mask_decoder3D,sam3D}.py)
for the reduced configs, weights and inputs of data/parity_tiny.safetensors. The upstream code is not part of
labkit: pass the root of a local checkout (the folder holding segment_anything/); nothing of it is committed.

  /usr/bin/python3 tests/libs/sammed3d/reference/make_upstream_vectors.py /path/to/SAM-Med3D [--commit SHA]

The data file is self-contained (weights, inputs, upstream float32 outputs) so it stays valid if
parity_tiny.safetensors is regenerated. The script also prints upstream's max abs differences against the
float64 values stored in parity_tiny.safetensors (our own reference, sammed3d_reference.py).

Upstream is used as is, with two documented adjustments that change sizes only, never arithmetic:
- segment_anything/__init__.py (imports the repo's training utils, cv2, ...) is skipped: only the
  segment_anything.modeling package is imported (torch + numpy).
- MaskDecoder3D.__init__ hard-codes TwoWayTransformer3D(depth=2, mlp_dim=2048, num_heads=8) (the vit_b_ori
  values); for the reduced config the constructor it calls is swapped for one passing the config's
  depth/mlp_dim/num_heads. The script asserts upstream asked for exactly (2, 2048, 8)."""
import argparse
import json
import os
import struct
import subprocess
import sys
import types
from functools import partial

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_parity_data import write_safetensors  # noqa: E402

DATA = os.path.join(HERE, "..", "data")
UPSTREAM_DECODER_TRANSFORMER = dict(depth=2, mlp_dim=2048, num_heads=8)  # hard-coded in MaskDecoder3D


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
    out = {}
    for name, h in header.items():
        a, b = h["data_offsets"]
        arr = np.frombuffer(blob[a:b], dtype=dtypes[h["dtype"]]).reshape(h["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


def import_upstream_modeling(root):
    """Imports <root>/segment_anything/modeling without running segment_anything/__init__.py."""
    pkg_dir = os.path.join(root, "segment_anything")
    if not os.path.isfile(os.path.join(pkg_dir, "modeling", "mask_decoder3D.py")):
        sys.exit("%s: no segment_anything/modeling/mask_decoder3D.py (not a SAM-Med3D checkout)" % root)
    pkg = types.ModuleType("segment_anything")
    pkg.__path__ = [pkg_dir]
    sys.modules["segment_anything"] = pkg
    sys.path.insert(0, root)
    import segment_anything.modeling as modeling  # noqa: E402
    import segment_anything.modeling.mask_decoder3D as md  # noqa: E402
    return modeling, md


def build_upstream(modeling, md, cfg):
    """Upstream Sam3D as in build_sam3D._build_sam3D_ori, with the reduced sizes of cfg."""
    S, P, E, O = cfg["img_size"], cfg["patch_size"], cfg["embed_dim"], cfg["out_chans"]
    g = S // P
    assert cfg["decoder_depth"] == 2 and cfg["attention_downsample_rate"] == 2  # upstream defaults kept
    original = md.TwoWayTransformer3D
    asked = {}

    def reduced_transformer(depth, embedding_dim, mlp_dim, num_heads, **kw):
        asked.update(depth=depth, mlp_dim=mlp_dim, num_heads=num_heads)
        return original(depth=cfg["decoder_depth"], embedding_dim=embedding_dim, mlp_dim=cfg["decoder_mlp_dim"],
                        num_heads=cfg["decoder_heads"], **kw)

    md.TwoWayTransformer3D = reduced_transformer
    try:
        sam = modeling.Sam3D(
            image_encoder=modeling.ImageEncoderViT3D(
                depth=cfg["depth"], embed_dim=E, img_size=S, mlp_ratio=cfg["mlp_dim"] / E,
                norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), num_heads=cfg["num_heads"], patch_size=P,
                qkv_bias=True, use_rel_pos=True, global_attn_indexes=cfg["global_attn_indexes"],
                window_size=cfg["window_size"], out_chans=O, in_chans=cfg["in_chans"]),
            prompt_encoder=modeling.PromptEncoder3D(
                embed_dim=O, image_embedding_size=(g, g, g), input_image_size=(S, S, S),
                mask_in_chans=cfg["mask_in_chans"]),
            mask_decoder=modeling.MaskDecoder3D(
                num_multimask_outputs=cfg["num_multimask_outputs"], transformer_dim=O,
                iou_head_depth=cfg["iou_head_depth"], iou_head_hidden_dim=cfg["iou_head_hidden_dim"]),
        )
    finally:
        md.TwoWayTransformer3D = original
    assert asked == UPSTREAM_DECODER_TRANSFORMER, asked
    assert sam.image_encoder.blocks[0].mlp.lin1.out_features == cfg["mlp_dim"]
    sam.eval()
    return sam


def run_upstream(sam, image, points, labels, mask_prompt):
    """The calls of upstream's inference loop (utils/infer_utils.py, predictor.py) on the three prompts."""
    out = {}
    with torch.no_grad():
        pe, dec = sam.prompt_encoder, sam.mask_decoder
        emb = sam.image_encoder(image)
        dense_pe = pe.get_dense_pe()
        out["embedding"], out["dense_pe"] = emb, dense_pe
        out["sparse"] = pe(points=(points, labels), boxes=None, masks=mask_prompt)[0]
        for tag, pts, lab, mp, multi in (("", points, labels, mask_prompt, False),
                                         ("_first_click", points[:, :1], labels[:, :1], torch.zeros_like(mask_prompt),
                                          False),
                                         ("_multi", points, labels, mask_prompt, True)):
            sparse, dense = pe(points=(pts, lab), boxes=None, masks=mp)
            masks, iou = dec(image_embeddings=emb, image_pe=dense_pe, sparse_prompt_embeddings=sparse,
                             dense_prompt_embeddings=dense, multimask_output=multi)
            out["low_res" + tag], out["iou" + tag] = masks, iou
    return out


def max_abs(a, b):
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a.double() - b.double()).abs().max().item()


def upstream_commit(root, given):
    if given:
        return given
    try:
        return subprocess.check_output(["git", "-C", root, "rev-parse", "HEAD"], text=True,
                                       stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("upstream_root", help="folder holding SAM-Med3D's segment_anything/")
    ap.add_argument("--commit", help="upstream commit recorded in the file's metadata (default: git rev-parse)")
    args = ap.parse_args()
    modeling, md = import_upstream_modeling(os.path.abspath(args.upstream_root))
    tiny, tiny_meta = read_safetensors(os.path.join(DATA, "parity_tiny.safetensors"))
    out = {}
    meta = {"upstream": "uni-medical/SAM-Med3D@" + upstream_commit(args.upstream_root, args.commit),
            "generator": "tests/libs/sammed3d/reference/make_upstream_vectors.py"}
    for key in sorted({k.split("/")[0] for k in tiny}):
        cfg = json.loads(tiny_meta[key + "/config"])
        W = {k[len(key) + 9:]: v for k, v in tiny.items() if k.startswith(key + "/weights/")}
        sam = build_upstream(modeling, md, cfg)
        sam.load_state_dict(W, strict=True)  # our names are upstream's state_dict names
        image, points, labels = tiny[key + "/image"], tiny[key + "/points"], tiny[key + "/labels"]
        mask_prompt = tiny[key + "/mask_prompt"]
        up = run_upstream(sam, image, points, labels, mask_prompt)
        # Upstream in float64 where it allows: forward_with_coords and the dense grid force float32, so the
        # random-Fourier PE (pe_layer) stays float32; everything else runs in float64. Printed only.
        sam64 = build_upstream(modeling, md, cfg)
        sam64.load_state_dict(W, strict=True)
        sam64.double()
        sam64.prompt_encoder.pe_layer.float()
        sam64.prompt_encoder.point_embeddings.float()
        sam64.prompt_encoder.not_a_point_embed.float()
        up64 = run_upstream(sam64, image.double(), points, labels, mask_prompt.double())
        for name in sorted(up):
            ref = tiny[key + "/expected/" + name]
            print("%-14s %-20s upstream f32 vs ours f64 %.3e | upstream f64 (PE f32) vs ours f64 %.3e | max|x| %.3g"
                  % (key, name, max_abs(up[name], ref), max_abs(up64[name], ref), ref.abs().max().item()))
            out[key + "/upstream/" + name] = up[name].float().contiguous()
        for k, v in W.items():
            out[key + "/weights/" + k] = v
        for nm in ("image", "points", "labels", "mask_prompt"):
            out[key + "/" + nm] = tiny[key + "/" + nm]
        meta[key + "/config"] = tiny_meta[key + "/config"]
    path = os.path.join(DATA, "parity_upstream.safetensors")
    write_safetensors(path, out, meta)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
