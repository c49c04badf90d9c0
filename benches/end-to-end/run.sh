#!/usr/bin/env bash
# The example database end to end: GET/SET throughput and round-trip p99 of `kvstore serve`
# with instrumentation on, against the same server built with vitalsign's `metrics` feature off
# (every #[instrumented] compiled to the bare function), driven by kvstore's own load generator
# on loopback. The two builds alternate over rounds, starting with a different one each round,
# so that the machine's drift falls on both; compare the ratios.
#
# Usage: benches/end-to-end/run.sh [ROUNDS] [REQUESTS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."

rounds=${1:-6}
requests=${2:-200000}
concurrency=${3:-8}

cargo build -q --release -p kvstore
cargo build -q --release -p kvstore --no-default-features --target-dir target/e2e-off
on=target/release/kvstore
off=target/e2e-off/release/kvstore

work=$(mktemp -d /dev/shm/kvstore-e2e.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one round of `$1` (a kvstore binary) and prints the load generator's line.
round() {
    local bin=$1 data="$work/data-$RANDOM"
    "$bin" serve --listen 127.0.0.1:17878 --metrics 127.0.0.1:17879 --data-dir "$data" \
        >/dev/null 2>&1 &
    local server=$!
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/17878) 2>/dev/null && break
        sleep 0.05
    done
    # The same client for both builds: the instrumented one's.
    "$on" load-get-set --addr 127.0.0.1:17878 --requests "$requests" --concurrency "$concurrency"
    kill -INT "$server"
    wait "$server" || true
    rm -rf "$data"
}

field() { sed -E "s/.*$1=([0-9.]+).*/\1/"; }

echo "kvstore end to end: $rounds rounds of $requests GET/SET requests over $concurrency connections"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores)"
ratios=()
p99s_on=()
p99s_off=()
for r in $(seq "$rounds"); do
    if ((r % 2)); then order="on off"; else order="off on"; fi
    for variant in $order; do
        if [[ $variant == on ]]; then line=$(round "$on"); else line=$(round "$off"); fi
        echo "round $r $variant: $line"
        declare "tp_$variant=$(field throughput <<<"$line")"
        declare "p99_$variant=$(field p99_us <<<"$line")"
    done
    ratios+=("$(awk -v a="$tp_on" -v b="$tp_off" 'BEGIN { printf "%.3f", a / b }')")
    p99s_on+=("$p99_on")
    p99s_off+=("$p99_off")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "throughput on/off by round: ${ratios[*]}"
echo "median throughput ratio (on/off): $(median "${ratios[@]}")"
echo "median p99 (us): on $(median "${p99s_on[@]}"), off $(median "${p99s_off[@]}")"
