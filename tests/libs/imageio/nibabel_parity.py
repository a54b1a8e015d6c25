#!/usr/bin/python3
"""Parity of labkit::imageio with nibabel (an independent NIfTI reader).

usage: nibabel_parity.py <imageio_tests binary> <medical data dir> <work dir>
Runs the NibabelExport test to dump what imageio reads and to write NIfTI files, then checks with
nibabel: voxels identical, and the affine equal to imageio's LPS geometry converted to RAS.
Exit 77 (ctest SKIP) when nibabel is missing."""
import os
import subprocess
import sys

try:
    import nibabel as nib
    import numpy as np
except ImportError:
    print("nibabel/numpy not available: skipped")
    sys.exit(77)


def load_dump(stem):
    lines = open(stem + ".geom").read().split("\n")
    size = [int(x) for x in lines[0].split()]
    spacing = np.array([float(x) for x in lines[1].split()])
    origin = np.array([float(x) for x in lines[2].split()])
    direction = np.array([float(x) for x in lines[3].split()]).reshape(3, 3)
    voxels = np.fromfile(stem + ".f32", dtype="<f4").reshape(size[::-1]).transpose(2, 1, 0)
    affine = np.eye(4)
    affine[:3, :3] = direction * spacing  # columns scaled by spacing
    affine[:3, 3] = origin
    affine[:2, :] *= -1  # LPS -> RAS (nibabel)
    return voxels, affine


def compare(nifti_path, stem, atol_affine):
    img = nib.load(nifti_path)
    ours, affine = load_dump(stem)
    theirs = np.asanyarray(img.dataobj).astype(np.float64)
    errors = []
    if theirs.shape != ours.shape:
        errors.append(f"shape {theirs.shape} vs {ours.shape}")
    elif not np.array_equal(theirs, ours.astype(np.float64)):
        errors.append(f"voxels differ (max |diff| {np.abs(theirs - ours).max()})")
    if not np.allclose(img.affine, affine, atol=atol_affine, rtol=0):
        errors.append(f"affine differs:\nnibabel\n{img.affine}\nimageio\n{affine}")
    print(f"{os.path.basename(nifti_path)}: {'OK' if not errors else 'FAIL'}")
    for e in errors:
        print("  " + e)
    return not errors


def main():
    binary, data, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, LABKIT_IMAGEIO_EXPORT_DIR=work)
    subprocess.run([binary, "--gtest_filter=NibabelExport.*"], env=env, check=True)
    ok = compare(os.path.join(data, "example_ct_sm.nii.gz"), os.path.join(work, "read_example_ct_sm"), 1e-4)
    ok &= compare(os.path.join(data, "anatomical.nii"), os.path.join(work, "read_anatomical"), 1e-6)
    # Files imageio wrote: sform/qform are float32, hence the affine tolerance.
    ok &= compare(os.path.join(work, "written_float.nii.gz"), os.path.join(work, "written_float"), 1e-4)
    ok &= compare(os.path.join(work, "written_mask.nii"), os.path.join(work, "written_mask"), 1e-4)
    mask = nib.load(os.path.join(work, "written_mask.nii"))
    if mask.get_data_dtype() != np.uint8:
        print(f"written_mask.nii: dtype {mask.get_data_dtype()}, expected uint8")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
