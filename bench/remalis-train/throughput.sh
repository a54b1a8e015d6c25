#!/usr/bin/env bash
# Environment steps per second (built-in task allocation with random allowed actions; SUMO over TraCI
# with random phase choices, and sumo alone running SUMO's fixed-time program) and training samples per
# second (agent-steps through rollout + PPO update, 1 thread).
# Usage: bench/remalis-train/throughput.sh BIN_DIR OUT_DIR [SCENARIO]   (SCENARIO: grid3 | grid5 | grid8 | irregular)
set -eu
bin=$1/remalis-train
out=$2
scenario=${3:-grid5}
mkdir -p "$out"
"$bin" bench --force --out "$out/env-$scenario" --threads 1 --log-level warn --set env=sumo --set sumo.scenario="$scenario" \
  --set sumo.demand_seconds=600 --set sumo.max_seconds=900
for level in easy medium hard; do
  "$bin" train --force --out "$out/train-$level" --threads 1 --log-level warn --set tasks.level=$level \
    --set train.iterations=5 --set eval.episodes=10 --json |
    /usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin); print('training samples/s ($level, 1 thread): %.0f' % m['samples_per_second'])"
done
"$bin" train --force --out "$out/train-sumo-$scenario" --threads 1 --log-level warn --set env=sumo --set sumo.scenario="$scenario" \
  --set sumo.demand_seconds=300 --set sumo.max_seconds=400 --set train.iterations=2 --set train.episodes_per_iteration=2 \
  --set train.parallel_envs=2 --set eval.episodes=1 --json |
  /usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin); print('training samples/s (sumo $scenario, 1 thread, agent-decisions): %.0f; env decisions/s %.1f' % (m['samples_per_second'], m['env_steps_per_second']))"
