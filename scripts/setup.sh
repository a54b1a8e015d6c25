#!/usr/bin/env bash
# Install the Debian packages labkit builds and tests with. Idempotent: packages already present are
# skipped, and apt-get runs only when something is missing. Needs root (or sudo) and Debian's mirrors.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache git pkg-config
  libtorch-dev libgloo-dev libopenblas0-openmp
  libinsighttoolkit5-dev
  libhdf5-dev hdf5-tools
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev zlib1g-dev
  python3 python3-numpy python3-h5py python3-nibabel
  python3-matplotlib                                  # scripts/plot_report.py: training curves, nvr-sim figures
  libssl-dev                                          # qo2mol-pack: SHA-256 and MD5
  python3-ase xtb chemical-structures-data            # qo2mol-pack test fixtures
  sentencepiece                                       # llama tests: spm_train/spm_encode parity data
  valgrind                                            # nvr-sim tests: cache model vs cachegrind/callgrind
  slurm-wlm munge
  clang-14 libfuzzer-14-dev                           # only the fuzz preset (fuzz/, README "Reliability")
  sumo                                                # remalis-train: netgenerate, sumo (TraCI server) for the traffic environment
  libvtk9-dev                                         # aneumo-build: surfaces (marching cubes, smoothing, STL/VTP, ParaView files)
  openfoam                                            # aneumo-build: the OpenFOAM solver path and its tests (skipped without it)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#PACKAGES[@]} Debian packages present" >&2
fi
