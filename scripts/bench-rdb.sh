#!/usr/bin/env bash
# The rdb benchmark, in two modes, each printing RESULT lines in the format of ../shared/peers
# (summarize.py reads them); both modes are 3 replicas in one JVM with durable pools, 1 KiB
# writes, a closed loop at each concurrency:
#   netty   shaped exactly like the peers' benchmark: each replica is a node with its own
#           loopback port, Raft between them over Netty, and the load sent as register-service
#           requests over TCP to the leader (org.vostok.rsvc.bench.RsvcBench; WAL pools;
#           system=vostok-rsvc-<backend> rpc=netty)
#   inproc  rdb alone on its in-process network, transactions begun on the leader, no TCP at
#           all (org.vostok.rdb.bench.RdbBench; PMDK pools with PMEM_IS_PMEM_FORCE=0, PMDK's real
#           msync path, and WAL pools, each next to the pool's own persist latency;
#           system=vostok-<backend>)
#   scripts/bench-rdb.sh                                  # netty, then inproc: 5 s warm-up, 8 s per level
#   scripts/bench-rdb.sh --mode=netty --conc=64 --seconds=20
#   scripts/bench-rdb.sh --mode=inproc --backend=wal      # the other arguments go to the benchmarks
#   RDB_JVM_OPTS="-Xms1g -Xmx2g -XX:+FlightRecorder" scripts/bench-rdb.sh
#   scripts/bench-rdb.sh --build-only                     # build, run nothing
# Arguments both modes take: --conc=1,16,64 (default: netty 1,16,64,256, inproc 1,16,64),
# --seconds, --warmup-seconds (then on while the JIT compilers are busy, up to --warmup-seconds-max,
# default 120), --backend=wal,pmem (default: netty wal, inproc pmem,wal),
# --pool-mib, --value-bytes, --keys. inproc only: --persist-seconds, --ops-max, --keep, --request-ids
# (each transaction also carries a request id and writes a request record, as a service's update
# does; rows labelled vostok-<backend>-reqid).
# The pools go to a fresh directory under ${TMPDIR:-/tmp} (RDB_BENCH_DIR to choose), removed
# afterwards. Keep runs short on a shared machine, and run nothing else meanwhile: the machine
# has 2 cores and the three replicas share them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
vostok_find_jdk
vostok_ensure_packages
export PATH="$JAVA_HOME/bin:$PATH"

mode=both
build_only=""
common=()
inproc_only=()
for a in "$@"; do
  case "$a" in
    --mode=netty|--mode=inproc|--mode=both) mode=${a#--mode=} ;;
    --mode=*) vostok_die "--mode takes netty, inproc or both, not '${a#--mode=}'" ;;
    --build-only) build_only=1 ;;
    --conc=*|--seconds=*|--warmup-seconds=*|--warmup-seconds-max=*|--pool-mib=*|--value-bytes=*|--keys=*|--help) common+=("$a") ;;
    --backend=*) common+=("$a") ;;
    --persist-seconds=*|--ops-max=*|--keep|--request-ids) inproc_only+=("$a") ;;
    --dir=*) vostok_die "set RDB_BENCH_DIR instead of --dir (the script gives each mode its own directory)" ;;
    *) vostok_die "unknown argument '$a' (see the comment at the top of $0)" ;;
  esac
done
if [ "$mode" = netty ] && [ ${#inproc_only[@]} -gt 0 ]; then
  vostok_die "${inproc_only[*]}: only the in-process mode takes these; add --mode=inproc or --mode=both"
fi

rdb="$vostok_root/java-rdb"
rsvc="$vostok_root/java-rsvc"
RDB_JVM_OPTS=${RDB_JVM_OPTS:-"-Xms1g -Xmx2g"}

echo "bench-rdb: building java-rdb, java-rsvc and what they need (JAVA_HOME=$JAVA_HOME)" >&2
vostok_mvn -q -pl java-rdb,java-rsvc -am -Pbench -DskipTests package >&2 \
  || vostok_die "the build failed (see above)"
for m in "$rdb" "$rsvc"; do
  [ -f "$m/target/bench.classpath" ] || vostok_die "no $m/target/bench.classpath after the build"
done
[ -n "$build_only" ] && exit 0

dir=${RDB_BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rdb-bench.XXXXXX")}
cleanup() { [ -n "${RDB_BENCH_DIR:-}" ] || rm -rf "$dir"; }
trap cleanup EXIT

echo "# bench-rdb: mode $mode, $(nproc) cores, loadavg $(cut -d' ' -f1-3 /proc/loadavg), java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
status=0
if [ "$mode" != inproc ]; then
  echo "# bench-rdb: netty mode (three nodes on loopback ports in one JVM, the load as client requests over TCP)"
  # shellcheck disable=SC2086
  PMEM_IS_PMEM_FORCE=0 java $RDB_JVM_OPTS --enable-native-access=ALL-UNNAMED \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$rsvc/target/test-classes:$rsvc/target/classes:$(cat "$rsvc/target/bench.classpath")" \
    org.vostok.rsvc.bench.RsvcBench --dir="$dir/netty" "${common[@]}" || status=$?
fi
if [ "$mode" != netty ]; then
  echo "# bench-rdb: in-process mode (rdb on its in-process network, no TCP)"
  # shellcheck disable=SC2086
  PMEM_IS_PMEM_FORCE=0 java $RDB_JVM_OPTS --enable-native-access=ALL-UNNAMED \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$rdb/target/test-classes:$rdb/target/classes:$(cat "$rdb/target/bench.classpath")" \
    org.vostok.rdb.bench.RdbBench --dir="$dir/inproc" "${common[@]}" "${inproc_only[@]}" || status=$?
fi
exit $status
