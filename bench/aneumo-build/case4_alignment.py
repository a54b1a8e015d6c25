# The released case 4: which axis flips map the released CFD nodes (metres, X_sup of the 0.003 kg/s npz)
# into the released mask's lumen voxels (real_data_img_4.npy, 0.18 mm)? For each of the 8 flips the
# bounding-box centres are aligned, then a +-1 voxel shift is searched; interior nodes (more than one voxel
# from the wall) should all land in lumen voxels when the frames agree.
# Usage: python3 bench/aneumo-build/case4_alignment.py [DATA_DIR]   (numpy; about a minute)
import itertools
import sys

import numpy as np

data = sys.argv[1] if len(sys.argv) > 1 else '/work/shared/data/aneumo'
m0 = np.load(data + '/real_data_img_4.npy')[0, 0] > 0.5
z = np.load(data + '/real_data_cfd_m0.003_4.npz')
x = z['X_sup'][0][:, :3].astype(np.float64) * 1e3
sdf = z['X_sup'][0][:, 3] * 1e3
h = 0.18
for flips in itertools.product([False, True], repeat=3):
    m = m0.copy()
    for a, f in enumerate(flips):
        if f: m = np.flip(m, axis=a)
    idx = np.argwhere(m)
    lo_vox, hi_vox = idx.min(0) * h - h / 2, idx.max(0) * h + h / 2
    shift = 0.5 * (x.min(0) + x.max(0)) - 0.5 * (lo_vox + hi_vox)
    best = 0
    for d in itertools.product(np.arange(-0.18, 0.181, 0.06), repeat=3):
        q = np.floor((x - shift - np.array(d)) / h + 0.5).astype(int)
        o = np.all((q >= 0) & (q < np.array(m.shape)), axis=1)
        f = np.zeros(len(x), bool); f[o] = m[q[o, 0], q[o, 1], q[o, 2]]
        best = max(best, f[sdf > 0.18].mean())
    print('flip x,y,z =', flips, 'interior nodes in lumen: %.3f' % best)
