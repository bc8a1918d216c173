#!/usr/bin/env bash
# The VOS benchmarks, C and Java back to back in one run: the native vos_bench and the JMH
# VosBenchmark (Panama FFM) do the same four operations (fetch, update1, update64, iterate) with
# the same parameters, first with PMEM_IS_PMEM_FORCE=1 (PMDK skips msync: the cost of the code)
# and then with PMEM_IS_PMEM_FORCE=0 (PMDK's real msync path on this file system). It prints
# ops/s for each and the FFM-over-C ratio per operation.
#   scripts/bench-vos.sh
#   JMH_ARGS="-f 1 -wi 3 -w 2s -i 5 -r 2s" C_SECONDS=2 scripts/bench-vos.sh   # longer, steadier
# With msync every persist reaches the disk, so that pass preloads fewer keys (KEYS_MSYNC) into
# a smaller pool; each pass uses one set of parameters for both languages. Keep runs short on a
# shared machine: the point is the ratio, measured in the same run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
vostok_find_jdk
vostok_ensure_packages
export PATH="$JAVA_HOME/bin:$PATH"

ffm="$vostok_root/bindings/ffm"
JMH_ARGS=${JMH_ARGS:-"-f 1 -wi 1 -w 1s -i 3 -r 1s"}
# vos_bench aggregates after each operation's run, JMH after each iteration: measuring the C side
# for about one JMH iteration keeps the version chains the updates build comparable.
C_SECONDS=${C_SECONDS:-1}
KEYS_FORCED=${KEYS_FORCED:-100000}
POOL_MIB_FORCED=${POOL_MIB_FORCED:-2048}
KEYS_MSYNC=${KEYS_MSYNC:-1000}
POOL_MIB_MSYNC=${POOL_MIB_MSYNC:-256}
out=$(mktemp -d "${TMPDIR:-/tmp}/vos-bench.XXXXXX")

echo "bench-vos: building the library, vos_bench and the JMH benchmarks (JAVA_HOME=$JAVA_HOME)" >&2
vostok_mvn -q -pl bindings/ffm -am -Pjmh -DskipTests package >&2 \
  || vostok_die "the build failed (see above)"
bench="$ffm/target/native/native/bench/vos_bench"
[ -x "$bench" ] || vostok_die "no $bench after the build: the native benchmark did not build"
[ -f "$ffm/target/jmh.classpath" ] || vostok_die "no $ffm/target/jmh.classpath after the build"
classpath="$ffm/target/test-classes:$ffm/target/classes:$(cat "$ffm/target/jmh.classpath")"

keys_for() { if [ "$1" = 1 ]; then echo "$KEYS_FORCED"; else echo "$KEYS_MSYNC"; fi; }
pool_mib_for() { if [ "$1" = 1 ]; then echo "$POOL_MIB_FORCED"; else echo "$POOL_MIB_MSYNC"; fi; }

for force in 1 0; do
  keys=$(keys_for $force)
  pool_mib=$(pool_mib_for $force)
  echo "bench-vos: PMEM_IS_PMEM_FORCE=$force, $keys keys, $pool_mib MiB pool: C (vos_bench --seconds $C_SECONDS)" >&2
  PMEM_IS_PMEM_FORCE=$force "$bench" --seconds "$C_SECONDS" --pool-dir "$out" --keys "$keys" \
    --pool-mib "$pool_mib" --value-bytes 1024 | tee "$out/c-$force.txt" >&2
  echo "bench-vos: PMEM_IS_PMEM_FORCE=$force: Java FFM (JMH $JMH_ARGS)" >&2
  # shellcheck disable=SC2086
  PMEM_IS_PMEM_FORCE=$force java --enable-native-access=ALL-UNNAMED -cp "$classpath" \
    org.openjdk.jmh.Main $JMH_ARGS -p keys="$keys" -p poolMiB="$pool_mib" -p valueBytes=1024 \
    -rf csv -rff "$out/jmh-$force.csv" \
    'org\.vostok\.vos\.ffm\.bench\.VosBenchmark\.' >"$out/jmh-$force.log" 2>&1 \
    || { cat "$out/jmh-$force.log" >&2; vostok_die "JMH failed (log above, and in $out)"; }
  grep -E '^(Benchmark|VosBenchmark)' "$out/jmh-$force.log" >&2 || true
done

# One table: op, force, C ops/s, Java ops/s, Java/C.
echo
printf '%-10s %-19s %14s %14s %9s\n' op PMEM_IS_PMEM_FORCE "C ops/s" "FFM ops/s" "FFM/C"
# ops: fetch = fetches, update1 = transactions (one update each), update64 = updates (64 per
# transaction), iterate = records.
for force in 1 0; do
  for op in fetch update1 update64 iterate; do
    c=$(sed -n "s/^BENCH op=$op ops_per_s=\([0-9.]*\).*/\1/p" "$out/c-$force.txt" | head -1)
    j=$(awk -F, -v op="$op" '{ gsub(/"/, "") } $1 ~ ("\\." op "$") { print $5; exit }' "$out/jmh-$force.csv")
    # JMH scores iterate per pass over all keys; vos_bench per record.
    if [ "$op" = iterate ] && [ -n "$j" ]; then
      j=$(awk -v j="$j" -v k="$(keys_for $force)" 'BEGIN { printf "%.0f", j * k }')
    fi
    awk -v op="$op" -v force="$force" -v c="${c:-}" -v j="${j:-}" 'BEGIN {
      ratio = (c != "" && j != "" && c > 0) ? sprintf("%.2f", j / c) : "n/a"
      printf "%-10s %-19s %14s %14s %9s\n", op, force, (c == "" ? "n/a" : sprintf("%.0f", c)),
             (j == "" ? "n/a" : sprintf("%.0f", j)), ratio }'
  done
done
echo
echo "bench-vos: raw output in $out" >&2
