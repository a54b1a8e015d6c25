#!/usr/bin/env bash
# Greedy generation on stories260K, single thread: labkit::llama's KV-cache generate (cognidual-train
# generate) against llama2.c's run.c at temperature 0, same model, prompt and step count. Checks that the
# two token streams print the same text and prints a tokens/s table. Fetches nothing: pass run.c (compiled
# here with gcc -O3 -march=native into a temporary folder) or an already built run binary. Usage:
#   bench/cognidual-train/generation_vs_runc.sh BIN_DIR RUN_C_OR_BINARY [STEPS...]
# The prompt is empty (generation from BOS): the shared tokenizer.bin is Llama 2's 32k vocabulary, whose
# first 512 pieces (all stories260K reads) lack " ", and run.c crashes encoding any non-empty prompt with it.
set -euo pipefail
bin=${1:?bin dir with cognidual-train}
runc=${2:-}
shift $(( $# >= 2 ? 2 : $# ))
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(256 512)
root=$(cd "$(dirname "$0")/../.." && pwd)
data=${LABKIT_DATA:-$root/../shared/data}
model=$data/llm/stories260K.bin
tok=$data/llm/llama2c_tokenizer.bin
if [ -z "$runc" ] || [ ! -e "$runc" ]; then
  echo "skipped: no run.c given (pass the path of llama2.c's run.c or of a built run binary)" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ "$runc" == *.c ]]; then
  gcc -O3 -march=native -o "$tmp/run" "$runc" -lm
  runbin=$tmp/run
else
  runbin=$runc
fi
repeats=${REPEATS:-5}
echo "| steps | new tokens | labkit tokens/s | run.c tokens/s | labkit / run.c | same text |"
echo "|---|---|---|---|---|---|"
for n in "${steps[@]}"; do
  best=0
  for _ in $(seq "$repeats"); do
    OMP_NUM_THREADS=1 "$runbin" "$model" -z "$tok" -t 0 -n "$n" >"$tmp/runc.txt" 2>"$tmp/runc.err"
    tps=$(sed -n 's/^achieved tok\/s: //p' "$tmp/runc.err")
    best=$(/usr/bin/python3 -c "print(max($best, $tps))")
  done
  "$bin/cognidual-train" generate --out "$tmp/labkit$n" --model "$model" --tokenizer "$tok" --prompt "" \
    --steps "$n" --repeats "$repeats" --threads 1 --log-level warn >/dev/null
  /usr/bin/python3 - "$tmp/labkit$n/report.json" "$tmp/runc.txt" "$tok" "$best" "$n" <<'PY'
import json, struct, sys
report, runc_txt, tok, runc_tps, n = sys.argv[1:]
m = json.load(open(report))["metrics"]
# run.c's decode and safe_printf on labkit's ids: strip the space after BOS, <0xNN> pieces are bytes, and
# a single byte that is neither printable nor whitespace is not printed.
with open(tok, "rb") as f:
    f.read(4)
    pieces = []
    while len(pieces) < 512:
        _score, length = struct.unpack("<fi", f.read(8))
        pieces.append(f.read(length))
out, prev = b"", 1
for t in m["tokens"][1:]:
    p = pieces[t]
    if prev == 1 and p.startswith(b" "):
        p = p[1:]
    if len(p) == 6 and p.startswith(b"<0x") and p.endswith(b">"):
        p = bytes([int(p[3:5], 16)])
    if len(p) == 1 and not (32 <= p[0] < 127 or p[0] in b" \t\n\v\f\r"):
        p = b""
    out += p
    prev = t
printed = open(runc_txt, "rb").read()
same = printed == out + b"\n"
tps = m["tokens_per_s"]
print(f"| {n} | {m['new_tokens']} | {tps:.0f} | {float(runc_tps):.0f} | {tps / float(runc_tps):.3f} | {'yes' if same else 'NO'} |")
if not same:
    sys.exit(f"token streams differ: labkit prints {out[:200]!r}, run.c {printed[:200]!r}")
PY
done
