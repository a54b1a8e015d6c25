#!/usr/bin/env bash
# The README's main command: install what is missing, build, then run every tool end to end on small
# bundled or generated data, printing what each computed. Outputs land in demo-out/ (replaced each run).
# Each tool contributes tools/<name>/demo.sh, run with LABKIT_BIN, LABKIT_DATA and DEMO_OUT set.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build} bash scripts/build.sh "$@"

export LABKIT_BIN=$root/${BUILD_DIR:-build}/bin
export LABKIT_DATA=${LABKIT_DATA:-$(cd "$root/.." && pwd)/shared/data}
export LABKIT_ROOT=$root
rm -rf "$root/demo-out"
mkdir -p "$root/demo-out"
status=0
for demo in tools/*/demo.sh; do
  tool=$(basename "$(dirname "$demo")")
  [ -x "$LABKIT_BIN/$tool" ] || { echo "== $tool: not built on this machine, skipped"; continue; }
  echo
  echo "== $tool"
  export DEMO_OUT=$root/demo-out/$tool
  mkdir -p "$DEMO_OUT"
  if ! bash "$demo"; then
    echo "== $tool: demo FAILED" >&2
    status=1
  fi
done
echo
[ $status -eq 0 ] && echo "demo: every tool ran; outputs in demo-out/" || echo "demo: some tools failed" >&2
exit $status
