#!/usr/bin/env bash
# Vostok's netty row against SOFAJRaft at one concurrency, in alternated pairs. One run of
# bench-vs-peers.sh gives one ratio, and the peer alone moved by 38 % between two such runs of the
# same code: so this runs the peer's benchmark (../shared/peers/jraft-bench, JDK 17) and
# bench-rdb.sh's netty mode one after the other, PAIRS times, waiting for an idle machine before
# each run, and prints every pair's ratio and the median of the ratios.
#   scripts/bench-pairs.sh                          # 3 pairs at 64 in flight
#   PAIRS=5 CONC=16 scripts/bench-pairs.sh
#   scripts/bench-pairs.sh --seconds=20             # arguments go to bench-rdb.sh
# Environment: PAIRS (3), CONC (64), PEERS_DIR (../shared/peers), PEERS_JAVA_HOME (JDK 17), OUT
# (the results directory), IDLE_PCT (15: "idle" is the machine below this % busy), IDLE_WAIT
# (900 s at most). Both sides measure 8 s per level by default (the peer's own length). The peer
# runs its own sequence, 1, 16 and 64 in flight (and CONC when it is another), as run-all.sh
# runs it: its 5,000-write warm-up alone leaves its JIT cold at the first level, which cost it
# half its throughput at 64 in flight when it ran 64 alone. Vostok runs CONC alone, after its
# warm-up at 16 in flight that lasts until its JIT compilers are quiet.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
vostok_find_jdk
vostok_ensure_packages

PAIRS=${PAIRS:-3}
CONC=${CONC:-64}
PEERS_DIR=${PEERS_DIR:-$(cd "$vostok_root/.." && pwd)/shared/peers}
PEERS_JAVA_HOME=${PEERS_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
OUT=${OUT:-${TMPDIR:-/tmp}/vostok-pairs/$(date +%Y%m%d-%H%M%S)}
IDLE_PCT=${IDLE_PCT:-15}
IDLE_WAIT=${IDLE_WAIT:-900}
[[ "$PAIRS" =~ ^[1-9][0-9]*$ ]] || vostok_die "PAIRS must be a count of 1 or more, not '$PAIRS'"
[[ "$CONC" =~ ^[1-9][0-9]*$ ]] || vostok_die "CONC must be one concurrency of 1 or more, not '$CONC'"
[ -d "$PEERS_DIR/jraft-bench" ] || vostok_die "no $PEERS_DIR/jraft-bench: set PEERS_DIR to the peers' benchmark folder"
[ -x "$PEERS_JAVA_HOME/bin/java" ] || vostok_die "no JDK at PEERS_JAVA_HOME=$PEERS_JAVA_HOME (the peers run on JDK 17)"
command -v mvn >/dev/null || vostok_die "the peers' benchmark builds with Maven: apt-get install maven"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "bench-pairs: $PAIRS pairs at $CONC in flight; results in $OUT" >&2

# Both built before the first run, so that nothing is compiled between the runs. The peer is
# built in a copy of its folder under $OUT, leaving $PEERS_DIR as it is.
"$vostok_root/scripts/bench-rdb.sh" --build-only >"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; vostok_die "building the rdb benchmark failed (see $OUT/build.log)"; }
cp -r "$PEERS_DIR/jraft-bench" "$OUT/jraft-bench"
rm -rf "$OUT/jraft-bench/target"
(cd "$OUT/jraft-bench" && JAVA_HOME="$PEERS_JAVA_HOME" mvn -q -B -Dstyle.color=never package -DskipTests) \
  >>"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; vostok_die "building the peer's benchmark failed (see $OUT/build.log)"; }
peer_cp="$OUT/jraft-bench/target/jraft-bench-1.0.jar:$OUT/jraft-bench/target/lib/*"
case "$CONC" in
  1|16|64) peer_levels=1,16,64 ;;
  *) peer_levels=1,16,64,$CONC ;;
esac

# ops_per_s FILE SYSTEM_PREFIX: the throughput of the RESULT line at $CONC, or nothing.
ops_per_s() {
  grep -a "^RESULT system=$2" "$1" | grep -a " conc=$CONC " | sed -n 's/.* ops_per_s=\([0-9.]*\).*/\1/p' | head -1
}

peer_dir=""
trap 'rm -rf "$peer_dir"' EXIT  # the peer's data, also when stopped midway
: > "$OUT/pairs.txt"
for i in $(seq 1 "$PAIRS"); do
  vostok_wait_idle "$IDLE_PCT" "$IDLE_WAIT"
  echo "# pair $i/$PAIRS: SOFAJRaft ($(date +%T))"
  peer_dir=$(mktemp -d "${TMPDIR:-/tmp}/jraft-pair.XXXXXX")
  JAVA_HOME="$PEERS_JAVA_HOME" timeout 180 "$PEERS_JAVA_HOME/bin/java" -Xms1g -Xmx2g -cp "$peer_cp" \
    bench.JRaftBench --conc="$peer_levels" --inproc-failover-rounds=0 --dir="$peer_dir" >"$OUT/jraft-$i.log" 2>&1 \
    || echo "# SOFAJRaft's run $i failed (see $OUT/jraft-$i.log)"
  rm -rf "$peer_dir"
  vostok_wait_idle "$IDLE_PCT" "$IDLE_WAIT"
  echo "# pair $i/$PAIRS: Vostok netty ($(date +%T))"
  "$vostok_root/scripts/bench-rdb.sh" --mode=netty --conc="$CONC" "$@" >"$OUT/vostok-$i.log" 2>&1 \
    || echo "# Vostok's run $i failed (see $OUT/vostok-$i.log)"
  peer=$(ops_per_s "$OUT/jraft-$i.log" jraft)
  ours=$(ops_per_s "$OUT/vostok-$i.log" vostok-rsvc)
  echo "pair=$i conc=$CONC jraft_ops_per_s=${peer:-n/a} vostok_ops_per_s=${ours:-n/a}" | tee -a "$OUT/pairs.txt"
done

python3 - "$OUT/pairs.txt" "$CONC" <<'PY' | tee "$OUT/table.txt"
import re
import statistics
import sys

rows = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in open(sys.argv[1])]
ratios = []
print(f"\n{'pair':>4} {'SOFAJRaft ops/s':>16} {'Vostok netty ops/s':>19} {'x SOFAJRaft':>11}")
for r in rows:
    try:
        peer, ours = float(r["jraft_ops_per_s"]), float(r["vostok_ops_per_s"])
    except ValueError:
        print(f"{r['pair']:>4} {r['jraft_ops_per_s']:>16} {r['vostok_ops_per_s']:>19} {'n/a':>11}")
        continue
    ratios.append(ours / peer)
    print(f"{r['pair']:>4} {peer:>16,.0f} {ours:>19,.0f} {ours / peer:>11.2f}")
if ratios:
    print(f"median of {len(ratios)} pairs at {sys.argv[2]} in flight: {statistics.median(ratios):.2f} x SOFAJRaft"
          f" (from {min(ratios):.2f} to {max(ratios):.2f})")
else:
    print("no pair completed: see the logs")
    sys.exit(1)
PY
