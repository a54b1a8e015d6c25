#!/usr/bin/env bash
# Configure and build labkit into BUILD_DIR (default: build). Extra arguments go to cmake's configure.
#   scripts/build.sh                      # Release, every tool this machine can build
#   BUILD_DIR=build-asan scripts/build.sh --preset asan
#   scripts/build.sh -DLABKIT_TOOLS="labkit-info;nvr-sim"
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/labkit-ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Paths relative to the checkout, so every clone and worktree (CI's fresh clone too) shares cache hits.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
# Precompiled headers and ccache: let ccache cache PCH users (needs these sloppiness settings).
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}

if [[ " $* " == *" --preset "* ]]; then
  cmake "$@"
else
  cmake -S . -B "$BUILD_DIR" -G Ninja "$@"
fi
cmake --build "$BUILD_DIR" -j "$JOBS"
