#!/usr/bin/env bash
# Runs the libFuzzer harnesses one at a time (nice -n $NICE, default 10), each for SECONDS (default 120) from a scratch
# copy of its committed corpus. Crashes, leaks, timeouts and out-of-memory inputs land in
# $WORK/findings/<harness>/; the scratch corpora (what the fuzzer added) in $WORK/corpus/<harness>/.
# Prints one row per harness: runs, seconds, coverage (cov) at half time and at the end, findings.
#   cmake --preset fuzz && cmake --build build-fuzz -j1 --target labkit_fuzzers
#   [NICE=10] fuzz/run_fuzzers.sh [SECONDS] [harness ...]
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-120}
shift || true
BIN=${BIN:-build-fuzz/fuzz}
WORK=${WORK:-build-fuzz/fuzz-work}
names=("$@")
# Leaks inside third-party libraries (documented there) are not findings.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/sanitizers/lsan.supp}
if [ ${#names[@]} -eq 0 ]; then
  for f in "$BIN"/*_fuzz; do names+=("$(basename "$f" _fuzz)"); done
fi
printf "| harness | runs | seconds | cov at half time | cov at end | crash/timeout/oom inputs |\n|---|---|---|---|---|---|\n"
for n in "${names[@]}"; do
  mkdir -p "$WORK/corpus/$n" "$WORK/findings/$n" "$WORK/logs"
  cp -n fuzz/corpus/"$n"/* "$WORK/corpus/$n/" 2>/dev/null
  log="$WORK/logs/$n.log"
  # Fork mode with ignore_*: the run goes on after a finding, so one pass collects every distinct one.
  nice -n "${NICE:-10}" "$BIN/${n}_fuzz" "$WORK/corpus/$n" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$WORK/findings/$n/" >"$log" 2>&1
  # Progress lines: "#RUNS: cov: C ft: F corp: N exec/s: E oom/timeout/crash: O/T/C time: Ss job: J ..."
  last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1)
  runs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  secs=$(sed -E 's/.* time: ([0-9]+)s.*/\1/' <<<"$last")
  end=$(sed -E 's/.* cov: ([0-9]+) .*/\1/' <<<"$last")
  half=$(grep -E '^#[0-9]+: cov: ' "$log" | awk -v h="$((SECONDS_EACH / 2))" \
         '{ for (i = 1; i <= NF; i++) if ($i == "time:") t = $(i + 1) + 0; if (t <= h) c = $3 } END { print c }')
  found=$(ls "$WORK/findings/$n" | wc -l)
  printf "| %s | %s | %s | %s | %s | %s |\n" "$n" "${runs:-?}" "${secs:-?}" "${half:-?}" "${end:-?}" "$found"
done
