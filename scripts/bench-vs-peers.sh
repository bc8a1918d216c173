#!/usr/bin/env bash
# Vostok's rdb benchmark against its peers, in one job on one machine: first
# ../shared/peers/run-all.sh (SOFAJRaft and Ratis doing the same job, and the machine's floor:
# fdatasync and a loopback round trip; built in a private copy under /tmp, run with JDK 17),
# then scripts/bench-rdb.sh (JDK 25), then one table: Vostok's figures per backend and
# concurrency, each as a ratio to SOFAJRaft and Ratis at the same concurrency, and the p50 at 1
# in flight against 2 x (fdatasync p50 + loopback round trip p50).
#   scripts/bench-vs-peers.sh                    # one pass of the peers (RUNS=1), then Vostok
#   RUNS=3 scripts/bench-vs-peers.sh             # the peers' medians over 3 repetitions
#   scripts/bench-vs-peers.sh --seconds=10       # arguments go to RdbBench
# Environment: PEERS_DIR (default ../shared/peers), PEERS_JAVA_HOME (default JDK 17),
# OUT (results directory), IDLE_PCT / IDLE_WAIT / FOREIGN_MAX (as run-all.sh).
# Like run-all.sh, it waits for an idle machine before Vostok's run and records the CPU that
# other processes used during it (foreign_cpu_pct, % of the machine).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
vostok_find_jdk
vostok_ensure_packages

PEERS_DIR=${PEERS_DIR:-$(cd "$vostok_root/.." && pwd)/shared/peers}
PEERS_JAVA_HOME=${PEERS_JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
export RUNS=${RUNS:-1}
OUT=${OUT:-${TMPDIR:-/tmp}/rdb-vs-peers/$(date +%Y%m%d-%H%M%S)}
IDLE_PCT=${IDLE_PCT:-15}
IDLE_WAIT=${IDLE_WAIT:-900}
[ -f "$PEERS_DIR/run-all.sh" ] || vostok_die "no $PEERS_DIR/run-all.sh: set PEERS_DIR to the peers' benchmark folder"
[ -x "$PEERS_JAVA_HOME/bin/java" ] || vostok_die "no JDK at PEERS_JAVA_HOME=$PEERS_JAVA_HOME (the peers run on JDK 17)"
mkdir -p "$OUT"
echo "bench-vs-peers: results in $OUT" >&2

# Vostok is built first, so that nothing is compiled between the two runs.
"$vostok_root/scripts/bench-rdb.sh" --build-only >"$OUT/vostok-build.log" 2>&1 \
  || { tail -30 "$OUT/vostok-build.log" >&2; vostok_die "building the rdb benchmark failed (see $OUT/vostok-build.log)"; }

echo "# ===== peers: $PEERS_DIR/run-all.sh (RUNS=$RUNS, JAVA_HOME=$PEERS_JAVA_HOME) ====="
JAVA_HOME="$PEERS_JAVA_HOME" OUT="$OUT/peers" bash "$PEERS_DIR/run-all.sh" 2>&1 | tee "$OUT/peers.log"
[ -f "$OUT/peers/results.txt" ] || vostok_die "the peers' run left no $OUT/peers/results.txt"

cpu_busy_pct() {
  local a b
  a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
waited=0
while busy=$(cpu_busy_pct); [ "$busy" -ge "$IDLE_PCT" ]; do
  if [ "$waited" -ge "$IDLE_WAIT" ]; then echo "# machine still ${busy}% busy after ${waited}s, running anyway"; break; fi
  [ "$waited" -eq 0 ] && echo "# waiting for other load to stop (${busy}% busy)"
  sleep 8; waited=$((waited + 10))
done

echo "# ===== vostok: scripts/bench-rdb.sh $* ($(date +%T), loadavg $(cut -d' ' -f1-3 /proc/loadavg)) ====="
ps -eo pid,ni,pcpu,etime,comm --sort=-pcpu | head -6 | sed 's/^/# ps: /'
"$vostok_root/scripts/bench-rdb.sh" "$@" > "$OUT/vostok.log" 2>&1 &
pid=$!
python3 "$PEERS_DIR/tools/foreign_cpu.py" "$pid" "$OUT/vostok.foreign" || echo 0 > "$OUT/vostok.foreign"
status=0
wait "$pid" || status=$?
foreign=$(cat "$OUT/vostok.foreign")
grep -v 'Built target' "$OUT/vostok.log" | grep -v '^\[' || true
[ "$status" -eq 0 ] || vostok_die "the rdb benchmark failed (exit $status, see $OUT/vostok.log)"
grep '^RESULT' "$OUT/vostok.log" | sed "s/\$/ foreign_cpu_pct=$foreign/" > "$OUT/vostok-results.txt"
echo "# vostok: other processes used ${foreign}% of the machine during the run"

cat "$OUT/peers/results.txt" "$OUT/vostok-results.txt" > "$OUT/all-results.txt"
python3 "$PEERS_DIR/summarize.py" "$OUT/all-results.txt" > "$OUT/medians.txt"
python3 - "$OUT/medians.txt" "$RUNS" <<'PY' | tee "$OUT/table.txt"
import re
import sys

rows = []
for line in open(sys.argv[1]):
    kv = dict(re.findall(r"(\w+)=(\S+)", line))
    rows.append(kv)
runs = sys.argv[2]


def find(**want):
    for kv in rows:
        if all(kv.get(k) == v for k, v in want.items()):
            return kv
    return None


def num(kv, key):
    try:
        return float(kv[key]) if kv and key in kv else None
    except ValueError:
        return None


def fmt(x, unit=""):
    return "n/a" if x is None else f"{x:,.0f}{unit}"


def ratio(a, b):
    return "n/a" if a is None or b in (None, 0) else f"{a / b:.2f}"


jraft = {c: find(system="jraft", conc=c) for c in ("1", "16", "64")}
ratis = {c: find(system="ratis", rpc="grpc", conc=c) for c in ("1", "16", "64")}
fs_append = find(system="fsync", mode="append")
fs_pre = find(system="fsync", mode="prealloc")
rtt = find(system="tcp_loopback", lang="c", pin="none")

print()
print(f"rdb benchmark against its peers: 3 replicas in one JVM, durable logs, 1 KiB writes (peers: medians of RUNS={runs})")
print()
hdr = f"{'system':<20} {'conc':>4} {'ops/s':>9} {'p50 us':>8} {'p99 us':>8} {'persist p50':>11} {'x SOFAJRaft':>11} {'x Ratis':>8} {'p50 / SOFAJRaft':>15} {'foreign cpu':>11}"
print(hdr)
print("-" * len(hdr))
vostok = [kv for kv in rows if kv.get("system", "").startswith("vostok-") and not kv["system"].endswith("-persist")
          and "conc" in kv]
for kv in vostok:
    c = kv["conc"]
    ops, p50 = num(kv, "ops_per_s"), num(kv, "p50_us")
    print(f"{kv['system']:<20} {c:>4} {fmt(ops):>9} {fmt(p50):>8} {fmt(num(kv, 'p99_us')):>8}"
          f" {fmt(num(kv, 'persist_p50_us')):>11} {ratio(ops, num(jraft.get(c), 'ops_per_s')):>11}"
          f" {ratio(ops, num(ratis.get(c), 'ops_per_s')):>8} {ratio(p50, num(jraft.get(c), 'p50_us')):>15}"
          f" {kv.get('foreign_cpu_pct', 'n/a'):>10}%")
for name, table in (("SOFAJRaft", jraft), ("Ratis (gRPC)", ratis)):
    for c in ("1", "16", "64"):
        kv = table[c]
        if kv:
            print(f"{name:<20} {c:>4} {fmt(num(kv, 'ops_per_s')):>9} {fmt(num(kv, 'p50_us')):>8}"
                  f" {fmt(num(kv, 'p99_us')):>8} {'':>11} {'':>11} {'':>8} {'':>15} {kv.get('foreign_cpu_pct', 'n/a'):>10}%")
print()
fa, fp, rt = num(fs_append, "p50_us"), num(fs_pre, "p50_us"), num(rtt, "p50_us")
print(f"floor: fdatasync p50 {fmt(fa)} us (4 KiB appended), {fmt(fp)} us (4 KiB into a preallocated file);"
      f" loopback round trip p50 {fmt(rt)} us (C, 1 KiB)")
for kv in rows:
    if kv.get("system", "").endswith("-persist"):
        print(f"pool persist ({kv['system'][:-8]}): one-update VOS transaction p50 {fmt(num(kv, 'p50_us'))} us,"
              f" p99 {fmt(num(kv, 'p99_us'))} us")
print()
print("targets (peers' README): ops/s at 64 in flight >= 2 x SOFAJRaft; p50 at 1 in flight <= 2 x (fdatasync + round trip)")
for kv in vostok:
    c = kv["conc"]
    if c == "64":
        j = num(jraft.get("64"), "ops_per_s")
        ops = num(kv, "ops_per_s")
        ok = "met" if ops and j and ops >= 2 * j else "missed"
        print(f"  {kv['system']}: 64 in flight {fmt(ops)} ops/s = {ratio(ops, j)} x SOFAJRaft ({fmt(j)}): {ok}")
    if c == "1":
        p50 = num(kv, "p50_us")
        for label, f in (("appended", fa), ("preallocated", fp)):
            if f is None or rt is None:
                continue
            bound = 2 * (f + rt)
            ok = "met" if p50 is not None and p50 <= bound else "missed"
            print(f"  {kv['system']}: 1 in flight p50 {fmt(p50)} us vs 2 x ({fmt(f)} + {fmt(rt)}) = {fmt(bound)} us"
                  f" (fdatasync {label}): {ratio(p50, bound)} of the bound, {ok}")
PY
echo "bench-vs-peers: results, logs and this table in $OUT" >&2
