#!/usr/bin/env bash
# The rdb benchmark (issue 4): commits per second and p50/p99 latency of single-update 1 KiB
# transactions on a 3-replica cluster in one JVM (in-process network, durable pools), at 1, 16
# and 64 transactions in flight, on PMDK pools (PMEM_IS_PMEM_FORCE=0: PMDK's real msync path)
# and on WAL pools, each next to the pool's own persist latency measured in the same run.
# It prints RESULT lines in the format of ../shared/peers (summarize.py reads them).
#   scripts/bench-rdb.sh                                  # both backends, 5 s warm-up, 8 s per level
#   scripts/bench-rdb.sh --backend=wal --seconds=4        # arguments go to RdbBench (--help)
#   RDB_JVM_OPTS="-Xms1g -Xmx2g -XX:+FlightRecorder" scripts/bench-rdb.sh
#   scripts/bench-rdb.sh --build-only                     # build, run nothing
# The pools go to a fresh directory under ${TMPDIR:-/tmp} (RDB_BENCH_DIR to choose), removed
# afterwards. Keep runs short on a shared machine, and run nothing else meanwhile: the machine
# has 2 cores and the three replicas share them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
vostok_find_jdk
vostok_ensure_packages
export PATH="$JAVA_HOME/bin:$PATH"

rdb="$vostok_root/java-rdb"
RDB_JVM_OPTS=${RDB_JVM_OPTS:-"-Xms1g -Xmx2g"}
dir=${RDB_BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rdb-bench.XXXXXX")}

echo "bench-rdb: building java-rdb and what it needs (JAVA_HOME=$JAVA_HOME)" >&2
vostok_mvn -q -pl java-rdb -am -Pbench -DskipTests package >&2 \
  || vostok_die "the build failed (see above)"
[ -f "$rdb/target/bench.classpath" ] || vostok_die "no $rdb/target/bench.classpath after the build"
[ "${1:-}" = --build-only ] && exit 0
classpath="$rdb/target/test-classes:$rdb/target/classes:$(cat "$rdb/target/bench.classpath")"

echo "# bench-rdb: $(nproc) cores, loadavg $(cut -d' ' -f1-3 /proc/loadavg), java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
status=0
# shellcheck disable=SC2086
PMEM_IS_PMEM_FORCE=0 java $RDB_JVM_OPTS --enable-native-access=ALL-UNNAMED \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classpath" \
  org.vostok.rdb.bench.RdbBench --dir="$dir" "$@" || status=$?
[ -n "${RDB_BENCH_DIR:-}" ] || rm -rf "$dir"
exit $status
