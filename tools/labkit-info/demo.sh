#!/usr/bin/env bash
# Demo: what this build is, then three real files described: a CT NIfTI, a big-endian MR NIfTI, and an
# enhanced multi-frame DICOM file (as a one-file series folder), with report.json written to --out.
set -euo pipefail
info=$LABKIT_BIN/labkit-info
"$info" --version
echo
tmp=$DEMO_OUT/inputs
mkdir -p "$tmp/dicom"
gzip -dc "$LABKIT_DATA/medical/philips_mprage.dcm.gz" >"$tmp/dicom/philips_mprage.dcm"
"$info" "$LABKIT_DATA/medical/example_ct_sm.nii.gz" "$LABKIT_DATA/medical/anatomical.nii" "$tmp/dicom" \
  --out "$DEMO_OUT/run" --force
echo "report: $DEMO_OUT/run/report.json"
