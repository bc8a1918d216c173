#!/usr/bin/env bash
# Vostok's benchmarks against its peers, in one job on one machine: first
# ../shared/peers/run-all.sh (SOFAJRaft and Ratis doing the same job, their kill -9 failover,
# and the machine's floor: fdatasync and a loopback round trip; built in a private copy under
# /tmp, run with JDK 17), then scripts/bench-rdb.sh (JDK 25: the Netty mode, three replicas in
# one JVM over loopback TCP with the load as client requests to the leader, shaped exactly like
# the peers, then the in-process mode), then `vostok bench` (the end-to-end benchmark: three
# node processes and a client process, writes and linearizable reads, kill -9 and SIGSTOP
# failover), then one table: every Vostok row as a ratio to SOFAJRaft and Ratis at the same
# concurrency, the failover medians as ratios to the peers', and the targets.
#   scripts/bench-vs-peers.sh                    # one pass of the peers (RUNS=1), then Vostok
#   RUNS=3 scripts/bench-vs-peers.sh             # the peers' medians over 3 repetitions
#   scripts/bench-vs-peers.sh --seconds=10       # arguments go to bench-rdb.sh (both of its modes)
#   E2E=0 scripts/bench-vs-peers.sh              # without vostok bench
#   E2E_ARGS="--seconds=10 --failover-runs=20" scripts/bench-vs-peers.sh
# Environment: PEERS_DIR (default ../shared/peers), PEERS_JAVA_HOME (default JDK 17),
# OUT (results directory), IDLE_PCT / IDLE_WAIT (as run-all.sh), E2E (1), E2E_ARGS
# (default: vostok bench's own defaults: levels 1,16,64,256, 8 s each, 10 failover runs).
# Like run-all.sh, it waits for an idle machine before each Vostok run and records the CPU that
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
E2E=${E2E:-1}
E2E_ARGS=${E2E_ARGS:-}
[ -f "$PEERS_DIR/run-all.sh" ] || vostok_die "no $PEERS_DIR/run-all.sh: set PEERS_DIR to the peers' benchmark folder"
[ -x "$PEERS_JAVA_HOME/bin/java" ] || vostok_die "no JDK at PEERS_JAVA_HOME=$PEERS_JAVA_HOME (the peers run on JDK 17)"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "bench-vs-peers: results in $OUT" >&2

# Vostok is built first, so that nothing is compiled between the runs.
"$vostok_root/scripts/bench-rdb.sh" --build-only >"$OUT/vostok-build.log" 2>&1 \
  || { tail -30 "$OUT/vostok-build.log" >&2; vostok_die "building the rdb benchmark failed (see $OUT/vostok-build.log)"; }
if [ "$E2E" = 1 ]; then
  vostok_mvn -q -pl java-server -am -DskipTests package >>"$OUT/vostok-build.log" 2>&1 \
    || { tail -30 "$OUT/vostok-build.log" >&2; vostok_die "building the vostok command failed (see $OUT/vostok-build.log)"; }
fi

echo "# ===== peers: $PEERS_DIR/run-all.sh (RUNS=$RUNS, JAVA_HOME=$PEERS_JAVA_HOME) ====="
# run-all.sh builds in a private copy under $TMPDIR and leaves it there: under $OUT, not /tmp.
# (The copy's directory is named before the command: an assignment in front of a command sees
# the ones to its left, so TMPDIR="$OUT/..." after OUT="$OUT/peers" would land in $OUT/peers.)
peers_copy="$OUT/peers-copy"
mkdir -p "$peers_copy"
JAVA_HOME="$PEERS_JAVA_HOME" TMPDIR="$peers_copy" OUT="$OUT/peers" bash "$PEERS_DIR/run-all.sh" 2>&1 \
  | tee "$OUT/peers.log"
[ -f "$OUT/peers/results.txt" ] || vostok_die "the peers' run left no $OUT/peers/results.txt"

# run NAME CMD...: one Vostok run, its log in $OUT/NAME.log, its RESULT lines (with the CPU other
# processes used meanwhile) in $OUT/NAME-results.txt.
run_vostok() {
  local name=$1; shift
  vostok_wait_idle "$IDLE_PCT" "$IDLE_WAIT"
  echo "# ===== vostok: $name: $* ($(date +%T), loadavg $(cut -d' ' -f1-3 /proc/loadavg)) ====="
  ps -eo pid,ni,pcpu,etime,comm --sort=-pcpu | head -6 | sed 's/^/# ps: /'
  "$@" > "$OUT/$name.log" 2>&1 &
  local pid=$! status=0 foreign
  python3 "$PEERS_DIR/tools/foreign_cpu.py" "$pid" "$OUT/$name.foreign" || echo 0 > "$OUT/$name.foreign"
  wait "$pid" || status=$?
  foreign=$(cat "$OUT/$name.foreign")
  grep -v 'Built target' "$OUT/$name.log" | grep -v '^\[ *[0-9]*%\]' || true
  grep '^RESULT' "$OUT/$name.log" | sed "s/\$/ foreign_cpu_pct=$foreign/" > "$OUT/$name-results.txt" || true
  echo "# vostok $name: other processes used ${foreign}% of the machine during the run"
  return $status
}

run_vostok rdb "$vostok_root/scripts/bench-rdb.sh" "$@" \
  || vostok_die "the rdb benchmark failed (see $OUT/rdb.log)"
results=("$OUT/peers/results.txt" "$OUT/rdb-results.txt")
if [ "$E2E" = 1 ]; then
  # shellcheck disable=SC2086
  run_vostok e2e "$vostok_root/vostok" bench --progress=lines --out="$OUT/e2e" $E2E_ARGS \
    || echo "# vostok bench ended with exit code $? (3: the system misbehaved; see $OUT/e2e.log)"
  results+=("$OUT/e2e-results.txt")
fi

cat "${results[@]}" > "$OUT/all-results.txt"
python3 "$PEERS_DIR/summarize.py" "$OUT/all-results.txt" > "$OUT/medians.txt"
python3 - "$OUT/medians.txt" "$RUNS" <<'PY' | tee "$OUT/table.txt"
import re
import sys

rows = [dict(re.findall(r"(\w+)=(\S+)", line)) for line in open(sys.argv[1])]
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


levels = sorted({kv["conc"] for kv in rows if "conc" in kv}, key=int)
jraft = {c: find(system="jraft", conc=c) for c in levels}
ratis = {c: find(system="ratis", rpc="grpc", conc=c) for c in levels}
fs_append = find(system="fsync", mode="append")
fs_pre = find(system="fsync", mode="prealloc")
rtt = find(system="tcp_loopback", lang="c", pin="none")


def label(kv):
    s = kv["system"]
    if s.startswith("vostok-rsvc-"):
        return s + " netty"
    if s.startswith("vostok-e2e-"):
        return s + " " + kv.get("test", "")
    return s + " in-proc"


vostok = [kv for kv in rows if kv.get("system", "").startswith("vostok-") and "conc" in kv
          and not kv["system"].endswith("-persist") and kv.get("test") != "longrun"]
order = {"netty": 0, "in-proc": 1, "write": 2, "read": 3}
vostok.sort(key=lambda kv: (order.get(label(kv).split()[-1], 9), kv["system"], int(kv["conc"])))

print()
print(f"Vostok against its peers, one job on one machine (peers: medians of RUNS={runs}, 3 replicas in one JVM, durable logs, 1 KiB writes)")
print("  netty:   3 replicas in one JVM, Raft over Netty on loopback, the load as client requests over TCP to the leader (like the peers)")
print("  in-proc: rdb on its in-process network, transactions begun on the leader, no TCP")
print("  e2e:     vostok bench: 3 node processes and a client process on loopback (read = linearizable read)")
print()
hdr = (f"{'system':<28} {'conc':>4} {'ops/s':>9} {'p50 us':>8} {'p99 us':>8} {'p99/p50':>7} {'x SOFAJRaft':>11}"
       f" {'x Ratis':>8} {'p50 / SOFAJRaft':>15} {'foreign cpu':>11}")
print(hdr)
print("-" * len(hdr))
for kv in vostok:
    c = kv["conc"]
    ops, p50, p99 = num(kv, "ops_per_s"), num(kv, "p50_us"), num(kv, "p99_us")
    print(f"{label(kv):<28} {c:>4} {fmt(ops):>9} {fmt(p50):>8} {fmt(p99):>8} {ratio(p99, p50):>7}"
          f" {ratio(ops, num(jraft.get(c), 'ops_per_s')):>11} {ratio(ops, num(ratis.get(c), 'ops_per_s')):>8}"
          f" {ratio(p50, num(jraft.get(c), 'p50_us')):>15} {kv.get('foreign_cpu_pct', 'n/a'):>10}%")
for name, table in (("SOFAJRaft", jraft), ("Ratis (gRPC)", ratis)):
    for c in levels:
        kv = table[c]
        if kv:
            print(f"{name:<28} {c:>4} {fmt(num(kv, 'ops_per_s')):>9} {fmt(num(kv, 'p50_us')):>8}"
                  f" {fmt(num(kv, 'p99_us')):>8} {ratio(num(kv, 'p99_us'), num(kv, 'p50_us')):>7} {'':>11} {'':>8}"
                  f" {'':>15} {kv.get('foreign_cpu_pct', 'n/a'):>10}%")

fail = [("Vostok, kill -9", find(system="vostok-failover-kill9")),
        ("Vostok, SIGSTOP", find(system="vostok-failover-sigstop")),
        ("SOFAJRaft, kill -9", find(system="jraft", test="failover_kill9")),
        ("SOFAJRaft 300 ms, kill -9", find(system="jraft_election300ms", test="failover_kill9")),
        ("Ratis (gRPC), kill -9", find(system="ratis", test="failover_kill9"))]
jraft_f = num(fail[2][1], "median_write_ok_ms")
ratis_f = num(fail[4][1], "median_write_ok_ms")
print()
print("failover: the leader's process killed (or stopped) -> the client's first successful write")
hdr = f"{'system':<28} {'median ms':>9} {'max ms':>7} {'x SOFAJRaft':>11} {'x Ratis':>8} {'foreign cpu':>11}"
print(hdr)
print("-" * len(hdr))
for name, kv in fail:
    if not kv:
        continue
    med = num(kv, "median_write_ok_ms")
    vs = name.startswith("Vostok")
    print(f"{name:<28} {fmt(med):>9} {fmt(num(kv, 'max_write_ok_ms')):>7}"
          f" {ratio(med, jraft_f) if vs else '':>11} {ratio(med, ratis_f) if vs else '':>8}"
          f" {kv.get('foreign_cpu_pct', 'n/a'):>10}%")

print()
fa, fp, rt = num(fs_append, "p50_us"), num(fs_pre, "p50_us"), num(rtt, "p50_us")
print(f"floor: fdatasync p50 {fmt(fa)} us (4 KiB appended), {fmt(fp)} us (4 KiB into a preallocated file);"
      f" loopback round trip p50 {fmt(rt)} us (C, 1 KiB)")
for kv in rows:
    if kv.get("system", "").endswith("-persist"):
        print(f"pool persist ({kv['system'][:-8]}): one-update VOS transaction p50 {fmt(num(kv, 'p50_us'))} us,"
              f" p99 {fmt(num(kv, 'p99_us'))} us")
print()
print("targets: ops/s at 64 in flight over the network >= 2 x SOFAJRaft; p99 <= 5 x p50 at every level;"
      " failover (kill -9) median <= 150 ms; p50 at 1 in flight <= 2 x (fdatasync + round trip)")
j64 = num(jraft.get("64"), "ops_per_s")
for kv in vostok:
    c, ops, p50, p99 = kv["conc"], num(kv, "ops_per_s"), num(kv, "p50_us"), num(kv, "p99_us")
    if c == "64" and "in-proc" not in label(kv) and kv.get("test", "write") == "write":
        ok = "met" if ops and j64 and ops >= 2 * j64 else "missed"
        print(f"  {label(kv)}: 64 in flight {fmt(ops)} ops/s = {ratio(ops, j64)} x SOFAJRaft ({fmt(j64)}): {ok}")
    if p50 and p99 and p99 > 5 * p50:
        print(f"  {label(kv)} at {c} in flight: p99 {fmt(p99)} us = {ratio(p99, p50)} x p50: missed")
    if c == "1" and kv.get("test", "write") == "write":
        for name, f in (("appended", fa), ("preallocated", fp)):
            if f is None or rt is None:
                continue
            bound = 2 * (f + rt)
            ok = "met" if p50 is not None and p50 <= bound else "missed"
            print(f"  {label(kv)}: 1 in flight p50 {fmt(p50)} us vs 2 x ({fmt(f)} + {fmt(rt)}) = {fmt(bound)} us"
                  f" (fdatasync {name}): {ratio(p50, bound)} of the bound, {ok}")
k9 = num(fail[0][1], "median_write_ok_ms")
if k9 is not None:
    print(f"  failover (kill -9) median {fmt(k9)} ms: {'met' if k9 <= 150 else 'missed'}")
PY
echo "bench-vs-peers: results, logs, the report of vostok bench and this table in $OUT" >&2
