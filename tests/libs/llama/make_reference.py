#!/usr/bin/python3
"""Independent float64 numpy implementation of llama2.c's run.c forward (interleaved RoPE pairs, reading
stories260K.bin in its own layout), used once to produce stories260K_reference.txt for the C++ parity test.
Run: /usr/bin/python3 tests/libs/llama/make_reference.py /work/shared/data/llm/stories260K.bin > tests/libs/llama/stories260K_reference.txt
"""
import sys
import numpy as np

path = sys.argv[1]
hdr = np.fromfile(path, dtype=np.int32, count=7)
dim, hidden, L, H, KV, V, T = [int(x) for x in hdr]
shared = V > 0
V = abs(V)
hs = dim // H
w = np.fromfile(path, dtype=np.float32, offset=28).astype(np.float64)
off = 0
def take(*shape):
    global off
    n = int(np.prod(shape))
    a = w[off:off + n].reshape(shape)
    off += n
    return a
emb = take(V, dim); rms_att = take(L, dim)
wq = take(L, H * hs, dim); wk = take(L, KV * hs, dim); wv = take(L, KV * hs, dim); wo = take(L, dim, H * hs)
rms_ffn = take(L, dim); w1 = take(L, hidden, dim); w2 = take(L, dim, hidden); w3 = take(L, hidden, dim)
rms_final = take(dim)
off += T * hs
wcls = emb if shared else take(V, dim)

def rmsnorm(x, g):
    return g * x / np.sqrt(np.mean(x * x) + 1e-5)

tokens = [1, 403, 407, 261, 378, 285, 306, 267, 410, 262, 505, 46, 300, 259, 270, 280]
kc = np.zeros((L, len(tokens), KV * hs)); vc = np.zeros((L, len(tokens), KV * hs))
print("# llama2.c run.c forward in float64 numpy (tests/libs/llama/make_reference.py) on stories260K.bin")
print("tokens", *tokens)
for pos, tok in enumerate(tokens):
    x = emb[tok].copy()
    for l in range(L):
        xb = rmsnorm(x, rms_att[l])
        q = wq[l] @ xb; k = wk[l] @ xb; v = wv[l] @ xb
        for i in range(0, dim, 2):  # run.c: rotate pairs (i, i+1), freq by i % head_size
            hd = i % hs
            f = 1.0 / 10000.0 ** (hd / hs)
            c, s = np.cos(pos * f), np.sin(pos * f)
            for vec in ([q, k] if i < KV * hs else [q]):
                a, b = vec[i], vec[i + 1]
                vec[i], vec[i + 1] = a * c - b * s, a * s + b * c
        kc[l, pos] = k; vc[l, pos] = v
        out = np.zeros(H * hs)
        for h in range(H):
            g = h // (H // KV)
            qh = q[h * hs:(h + 1) * hs]
            sc = kc[l, :pos + 1, g * hs:(g + 1) * hs] @ qh / np.sqrt(hs)
            p = np.exp(sc - sc.max()); p /= p.sum()
            out[h * hs:(h + 1) * hs] = p @ vc[l, :pos + 1, g * hs:(g + 1) * hs]
        x = x + wo[l] @ out
        xb = rmsnorm(x, rms_ffn[l])
        a = w1[l] @ xb; b = w3[l] @ xb
        x = x + w2[l] @ (a / (1 + np.exp(-a)) * b)
    logits = wcls @ rmsnorm(x, rms_final)
    lse = logits.max() + np.log(np.exp(logits - logits.max()).sum())
    print("pos", pos, "argmax", int(logits.argmax()), "lse", repr(float(lse)))
    print("logits", *[repr(float(v)) for v in logits[:24]])
