#!/usr/bin/env bash
# Build and test labkit against the CUDA LibTorch of a PyTorch installation, without ITK: what a GPU
# machine (no ITK, no gloo headers guaranteed) can build. Usage: scripts/gpu/build-and-test.sh [BUILD_DIR] [TOOLS]
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-gpu}
tools=${2:-all}
py=$(command -v python3)
prefix=$("$py" -c 'import torch; print(torch.utils.cmake_prefix_path)')
echo "torch cmake prefix: $prefix"
gen=""
command -v ninja >/dev/null && gen="-G Ninja"
start=$(date +%s)
cmake -S . -B "$build" $gen -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" -DLABKIT_WITH_ITK=OFF \
  -DLABKIT_TOOLS="$tools" 2>&1 | grep -E "labkit|Error|error|CUDA|Torch" | head -40
cmake --build "$build" -j "$(nproc)" 2>&1 | grep -E "error|Error|invalid-pch" -A3 | head -80
echo "build: $(( $(date +%s) - start )) s"
(cd "$build" && ctest -j 8 --output-on-failure --timeout 300 2>&1 | tail -40)
"$build/bin/labkit-info" --device cuda
