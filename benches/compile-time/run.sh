#!/usr/bin/env bash
# Compile-time target of the performance work: a crate of 200 functions under `#[instrumented]`
# builds in at most 1.3x the time of the same crate under `#[tracing::instrument]`.
#
# Generates the two crates (same functions, same error type; only the attribute differs) in a
# scratch directory, builds their dependencies once, then times rebuilding each crate alone,
# interleaving the variants over several rounds. With FULL=N it also times N builds of each
# from nothing, dependencies included (interleaved; the median is reported).
#
# The vitalsign crate depends on the minimal feature set, as a library crate would
# (`default-features = false, features = ["metrics"]`); FEATURES=default times the server set.
#
# Usage: benches/compile-time/run.sh            (ROUNDS=5 FNS=200 PROFILE=dev by default)
#        FULL=3 benches/compile-time/run.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${ROUNDS:-5}
fns=${FNS:-200}
profile=${PROFILE:-dev}
work=${WORK:-$(mktemp -d)}
echo "scratch: $work; $fns functions, $rounds rounds, profile $profile"

# $1: variant; $2: its dependency line; $3: the attribute.
generate() {
    local dir=$work/$1
    mkdir -p "$dir/src"
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "ct_$1"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
$2

[workspace]
TOML
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    {
        echo "//! $fns functions under $3."
        echo "#![allow(missing_docs, clippy::all)]"
        echo "#[derive(Debug)]"
        [ "$1" = vitalsign ] && echo "#[derive(vitalsign::ErrorCode)]"
        echo "pub enum Error { NotFound, Invalid }"
        echo "impl std::fmt::Display for Error {"
        echo "    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { write!(f, \"{self:?}\") }"
        echo "}"
        echo "impl std::error::Error for Error {}"
        for i in $(seq 0 $((fns - 1))); do
            local asyncness=""
            [ $((i % 4)) = 0 ] && asyncness="async "
            cat <<RS
$3
pub ${asyncness}fn op_$i(x: u64, key: &str) -> Result<u64, Error> {
    if key.is_empty() {
        return Err(Error::Invalid);
    }
    if x % $((i + 2)) == 0 { Err(Error::NotFound) } else { Ok(x.wrapping_mul($i) + key.len() as u64) }
}
RS
        done
    } >"$dir/src/lib.rs"
}

if [ "${FEATURES:-minimal}" = default ]; then
    dep="vitalsign = { path = \"$root/runtime\" }"
else
    dep="vitalsign = { path = \"$root/runtime\", default-features = false, features = [\"metrics\"] }"
fi
generate vitalsign "$dep" "#[vitalsign::instrumented]"
generate tracing 'tracing = "0.1"' "#[tracing::instrument(err)]"

build() {
    (cd "$work/$1" && cargo build -q --profile "$profile")
}

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# $1: what is timed ("build from nothing" or "round"); $2: rounds; $3: `full` to clean
# everything, else only the generated crate. Interleaves the variants; fills `times`.
declare -A times
measure() {
    times=()
    for r in $(seq 1 "$2"); do
        for v in vitalsign tracing; do
            if [ "$3" = full ]; then
                (cd "$work/$v" && cargo clean -q)
            else
                (cd "$work/$v" && cargo clean -q -p "ct_$v" --profile "$profile")
            fi
            t0=$(now)
            build "$v"
            t=$(since "$t0")
            times[$v]="${times[$v]:-} $t"
            echo "$1 $r, $v: $t s"
        done
    done
}

full=${FULL:-0}
if [ "$full" -gt 0 ]; then
    measure "build from nothing" "$full" full
    fv=$(echo "${times[vitalsign]}" | median)
    ft=$(echo "${times[tracing]}" | median)
    echo "median build from nothing: vitalsign $fv s, tracing $ft s, ratio $(awk -v a="$fv" -v b="$ft" 'BEGIN { printf "%.2f", a / b }')x (target <= 1.3x)"
fi

for v in vitalsign tracing; do build "$v"; done
measure round "$rounds" crate

mv=$(echo "${times[vitalsign]}" | median)
mt=$(echo "${times[tracing]}" | median)
ratio=$(awk -v a="$mv" -v b="$mt" 'BEGIN { printf "%.2f", a / b }')
echo "median crate build: vitalsign $mv s, tracing $mt s, ratio ${ratio}x (target <= 1.3x)"
