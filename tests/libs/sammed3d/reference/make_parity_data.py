#!/usr/bin/python3
"""Writes tests/libs/sammed3d/data/parity_tiny.safetensors: for two reduced SAM-Med3D configs (one padded
window as vit_b_ori's 8^3 -> 14^3, and several windows), random float32 weights under the upstream
state_dict names, an input crop, clicks, a mask prompt, and float64 reference outputs from
sammed3d_reference.py. Run: /usr/bin/python3 tests/libs/sammed3d/reference/make_parity_data.py"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sammed3d_reference as ref  # noqa: E402

BASE = dict(img_size=32, patch_size=8, in_chans=1, embed_dim=24, depth=3, num_heads=2, mlp_dim=48,
            window_size=6, global_attn_indexes=[2], out_chans=24, mask_in_chans=8, decoder_depth=2,
            decoder_heads=2, decoder_mlp_dim=32, attention_downsample_rate=2, num_multimask_outputs=3,
            iou_head_depth=3, iou_head_hidden_dim=16)
CONFIGS = {"single_window": BASE, "multi_window": dict(BASE, window_size=3, global_attn_indexes=[1])}


def state_shapes(c):
    """Upstream state_dict names and shapes for a config (SAM-Med3D build_sam3D / modeling/*3D.py)."""
    s, E, g = {}, c["embed_dim"], c["img_size"] // c["patch_size"]
    p, hd = c["patch_size"], c["embed_dim"] // c["num_heads"]
    s["image_encoder.pos_embed"] = [1, g, g, g, E]
    s["image_encoder.patch_embed.proj.weight"] = [E, c["in_chans"], p, p, p]
    s["image_encoder.patch_embed.proj.bias"] = [E]
    for i in range(c["depth"]):
        b = "image_encoder.blocks.%d." % i
        n = g if i in c["global_attn_indexes"] else c["window_size"]
        for nm in ("norm1", "norm2"):
            s[b + nm + ".weight"] = [E]
            s[b + nm + ".bias"] = [E]
        s[b + "attn.qkv.weight"], s[b + "attn.qkv.bias"] = [3 * E, E], [3 * E]
        s[b + "attn.proj.weight"], s[b + "attn.proj.bias"] = [E, E], [E]
        for a in "dhw":
            s[b + "attn.rel_pos_" + a] = [2 * n - 1, hd]
        s[b + "mlp.lin1.weight"], s[b + "mlp.lin1.bias"] = [c["mlp_dim"], E], [c["mlp_dim"]]
        s[b + "mlp.lin2.weight"], s[b + "mlp.lin2.bias"] = [E, c["mlp_dim"]], [E]
    O = c["out_chans"]
    s["image_encoder.neck.0.weight"] = [O, E, 1, 1, 1]
    s["image_encoder.neck.1.weight"] = s["image_encoder.neck.1.bias"] = [O]
    s["image_encoder.neck.2.weight"] = [O, O, 3, 3, 3]
    s["image_encoder.neck.3.weight"] = s["image_encoder.neck.3.bias"] = [O]
    m = c["mask_in_chans"]
    pe = "prompt_encoder."
    s[pe + "pe_layer.positional_encoding_gaussian_matrix"] = [3, O // 3]
    for nm in ("point_embeddings.0", "point_embeddings.1", "not_a_point_embed", "no_mask_embed"):
        s[pe + nm + ".weight"] = [1, O]
    md = pe + "mask_downscaling."
    s[md + "0.weight"], s[md + "0.bias"] = [m // 4, 1, 2, 2, 2], [m // 4]
    s[md + "1.weight"] = s[md + "1.bias"] = [m // 4]
    s[md + "3.weight"], s[md + "3.bias"] = [m, m // 4, 2, 2, 2], [m]
    s[md + "4.weight"] = s[md + "4.bias"] = [m]
    s[md + "6.weight"], s[md + "6.bias"] = [O, m, 1, 1, 1], [O]
    d = "mask_decoder."
    nmt = c["num_multimask_outputs"] + 1
    s[d + "iou_token.weight"], s[d + "mask_tokens.weight"] = [1, O], [nmt, O]
    I = O // c["attention_downsample_rate"]

    def attn(name, internal):
        for x in "qkv":
            s[name + ".%s_proj.weight" % x], s[name + ".%s_proj.bias" % x] = [internal, O], [internal]
        s[name + ".out_proj.weight"], s[name + ".out_proj.bias"] = [O, internal], [O]

    t = d + "transformer."
    for L in range(c["decoder_depth"]):
        b = t + "layers.%d." % L
        attn(b + "self_attn", O)
        attn(b + "cross_attn_token_to_image", I)
        attn(b + "cross_attn_image_to_token", I)
        for k in range(1, 5):
            s[b + "norm%d.weight" % k] = s[b + "norm%d.bias" % k] = [O]
        s[b + "mlp.lin1.weight"], s[b + "mlp.lin1.bias"] = [c["decoder_mlp_dim"], O], [c["decoder_mlp_dim"]]
        s[b + "mlp.lin2.weight"], s[b + "mlp.lin2.bias"] = [O, c["decoder_mlp_dim"]], [O]
    attn(t + "final_attn_token_to_image", I)
    s[t + "norm_final_attn.weight"] = s[t + "norm_final_attn.bias"] = [O]
    u = d + "output_upscaling."
    s[u + "0.weight"], s[u + "0.bias"] = [O, O // 4, 2, 2, 2], [O // 4]
    s[u + "1.weight"] = s[u + "1.bias"] = [O // 4]
    s[u + "3.weight"], s[u + "3.bias"] = [O // 4, O // 8, 2, 2, 2], [O // 8]
    for i in range(nmt):
        h = d + "output_hypernetworks_mlps.%d.layers." % i
        s[h + "0.weight"], s[h + "0.bias"] = [O, O], [O]
        s[h + "1.weight"], s[h + "1.bias"] = [O, O], [O]
        s[h + "2.weight"], s[h + "2.bias"] = [O // 8, O], [O // 8]
    dims = [O] + [c["iou_head_hidden_dim"]] * (c["iou_head_depth"] - 1) + [nmt]
    for i in range(c["iou_head_depth"]):
        h = d + "iou_prediction_head.layers.%d." % i
        s[h + "weight"], s[h + "bias"] = [dims[i + 1], dims[i]], [dims[i + 1]]
    return s


def random_weights(shapes, gen):
    W = {}
    for name, shape in shapes.items():
        if name.endswith("norm1.weight") or ".norm" in name and name.endswith(".weight") or name.endswith(
                ("neck.1.weight", "neck.3.weight", "mask_downscaling.1.weight", "mask_downscaling.4.weight",
                 "output_upscaling.1.weight")):
            t = 1 + 0.1 * torch.randn(shape, generator=gen)
        else:
            fan_in = max(1, int(torch.tensor(shape[1:]).prod().item())) if len(shape) > 1 else 8
            t = torch.randn(shape, generator=gen) * min(0.5, 1.0 / fan_in ** 0.5)
            if "gaussian" in name or "embed.weight" in name or "pos_embed" in name or "rel_pos" in name:
                t = torch.randn(shape, generator=gen) * 0.5
        W[name] = t.float()
    return W


def write_safetensors(path, tensors, metadata):
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        dt = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]
        b = t.numpy().tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def main():
    out = {}
    meta = {}
    gen = torch.Generator().manual_seed(233)
    for key, cfg in CONFIGS.items():
        W = random_weights(state_shapes(cfg), gen)
        S, L = cfg["img_size"], 4 * cfg["img_size"] // cfg["patch_size"]
        image = torch.randn(1, 1, S, S, S, generator=gen).float()
        points = torch.tensor([[[3.0, 17.0, 25.0], [20.0, 5.0, 11.0], [28.0, 30.0, 2.0]]])
        labels = torch.tensor([[1, 0, 1]], dtype=torch.int64)
        mask_prompt = (2 * torch.randn(1, 1, L, L, L, generator=gen)).float()
        W64 = {k: v.double() for k, v in W.items()}
        with torch.no_grad():
            emb = ref.image_encoder(W64, cfg, image.double())
            g = S // cfg["patch_size"]
            masks, iou = ref.predict(W64, cfg, emb, points.double(), labels, mask_prompt.double())
            masks0, iou0 = ref.predict(W64, cfg, emb, points[:, :1].double(), labels[:, :1],
                                       torch.zeros(1, 1, L, L, L, dtype=torch.float64))
            masks_m, iou_m = ref.predict(W64, cfg, emb, points.double(), labels, mask_prompt.double(), multimask=True)
            sparse = ref.embed_points(W64, points.double(), labels, S)
            dpe = ref.dense_pe(W64, (g, g, g))
        for k, v in W.items():
            out[key + "/weights/" + k] = v
        out[key + "/image"], out[key + "/points"], out[key + "/labels"] = image, points, labels
        out[key + "/mask_prompt"] = mask_prompt
        for nm, t in (("embedding", emb), ("sparse", sparse), ("dense_pe", dpe), ("low_res", masks), ("iou", iou),
                      ("low_res_first_click", masks0), ("iou_first_click", iou0), ("low_res_multi", masks_m),
                      ("iou_multi", iou_m)):
            out[key + "/expected/" + nm] = t.double()
        meta[key + "/config"] = json.dumps(cfg)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "parity_tiny.safetensors")
    write_safetensors(path, out, meta)
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
