#!/usr/bin/env bash
# The VOS benchmarks, C and both Java bindings in one run: the native vos_bench and the JMH
# VosBenchmark (through Panama FFM and through JNI, on the build's JDK) do the same five
# operations (fetch, fetchAlloc, update1, update64, iterate) with the same parameters and the
# same work. What is matched, operation by operation:
#   - keys: the same xorshift64 sequence for the fetches, the same cycle over the keys for the
#     updates, the same epochs; a pool of its own per operation, preloaded alike, in the same
#     directory (the JVMs get it as java.io.tmpdir, which they would otherwise take as /tmp
#     whatever TMPDIR says);
#   - buffers: fetch reads the value into the caller's buffer, native memory on both sides (a
#     malloc'd buffer in C, a direct ByteBuffer in Java); fetchAlloc hands each value over in a
#     buffer of its own of the value's length (C: malloc, copy, free; Java: the new byte[] the
#     fetch returns, collected later); each update's value is copied into its own place in the
#     transaction's data (in C as the Java transaction copies the byte[]: 64 KiB of values for
#     update64, not one shared 1 KiB);
#   - the process: vos_bench starts one idle thread, so that it is multi-threaded as a JVM is
#     (glibc's malloc skips its arena locks and atomics in a single-threaded process, and the
#     library's transactions malloc and free many times inside libpmemobj: update64 ran 13-17 %
#     faster single-threaded, none of it the bindings' doing);
#   - one op: a fetch, a transaction of update1, an update of update64, a record of iterate
#     (C counts records; JMH counts passes over all keys, multiplied back here);
#   - warm-up and timing: JMH_WARMUP one-second warm-up iterations and JMH_ITERATIONS measured
#     ones against as many seconds of vos_bench (--warmup-seconds, --seconds), whose loop reads
#     the clock once every 256 fetches (once a pass for iterate) as JMH's reads it only at an
#     iteration's ends; the updates in rounds of ROUND_UPDATES (WARMUP_ROUNDS rounds, then
#     JMH_ITERATIONS), each timed alone with an untimed aggregation after it, so both sides meet
#     the same version chains. The updates warm up for more rounds than the reads for seconds:
#     one round of update64 is 1,024 commits, too few for the JIT to compile the commit path, and
#     FFM's first measured rounds then took 2-3 times as long as its later ones (JNI's, whose
#     path the interpreter runs faster, and C's did not); both sides warm up alike. First with
# PMEM_IS_PMEM_FORCE=1 (PMDK skips msync: the cost of the code), then with =0 (PMDK's real msync
# path on this file system). It prints ops/s for each and the FFM-over-C and JNI-over-C ratios,
# and then the thread CPU time of one fetch (random key, one hot key, and allocating) and of one
# iterated record in C and through each binding (FetchCost, one JVM per binding, its iterate
# measured after the fetches as vos_bench's is, not between them), which, unlike throughput,
# does not count the time spent waiting for a core on a machine busy with other work.
#   scripts/bench-vos.sh
#   REPEATS=3 scripts/bench-vos.sh            # the whole set three times over, one table each
#   JMH_ITERATIONS=10 scripts/bench-vos.sh    # longer, steadier (vos_bench's time follows)
#   MAVEN_OPTS=-Dmaven.repo.local=DIR scripts/bench-vos.sh   # the build with another local repository
#   JNI17=1 scripts/bench-vos.sh              # one more column: JNI on a Java 17 runtime
#   FORCES=1 scripts/bench-vos.sh             # the PMEM_IS_PMEM_FORCE=1 pass only
# With msync every persist reaches the disk, so that pass preloads fewer keys (KEYS_MSYNC) into
# a smaller pool, with smaller rounds; each pass uses one set of parameters for every side. On a
# shared machine run it several times (REPEATS): C and Java alternate, the side that goes first
# alternating too (C then Java in odd runs, Java then C in even ones, so a change in the
# machine's load between the two halves of a run does not favour one side), and the point is
# the ratio, measured in the same run; with REPEATS > 1 the table ends with the median of each
# column over the runs. C measures fetch and iterate for as long as JMH measures them
# (C_SECONDS = JMH_ITERATIONS seconds).
#
#   SAME_PROCESS=1 scripts/bench-vos.sh       # C and each binding in turns in one process instead
#
# SAME_PROCESS=1 measures each binding in a JVM of its own (FFM, then JNI; JNI17=1 adds JNI on
# Java 17) where C's rounds and the binding's take turns on one pool (SameProcess, in
# jni/src/jmh, calling vos_bench's loops in native/bench's libvostok-bench-loops once per round):
# pairs of adjacent rounds, a few tens of milliseconds each, the side going first alternating,
# with the work per op matched as above. It prints, per operation and binding, the median of the
# pairs' ratios (C's time over the binding's: the binding's share of C's throughput) with its
# quartiles and extremes, and the same in thread CPU time. Separate processes minutes apart meet
# a shared VM's neighbours differently (C's own fetch moved 1.6-fold between two runs); a pair
# of rounds 50 ms apart meets them alike. PMEM_IS_PMEM_FORCE=1 only (with msync a round would
# take minutes); REPEATS runs it several times, and the table ends with the medians over runs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
vostok_find_jdk
vostok_ensure_packages
export PATH="$JAVA_HOME/bin:$PATH"

ffm="$vostok_root/bindings/ffm"
jni="$vostok_root/bindings/jni"
REPEATS=${REPEATS:-1}
FORCES=${FORCES:-"1 0"}
JNI17=${JNI17:-0}
# Warm-up iterations of the reads (1 s each, and as many seconds of vos_bench), warm-up rounds
# of the updates, and measured iterations of both (JMH iterations of 1 s for fetch and iterate,
# of one round for the updates; vos_bench's seconds and rounds follow).
JMH_WARMUP=${JMH_WARMUP:-1}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-10}
JMH_ITERATIONS=${JMH_ITERATIONS:-5}
# vos_bench's time for fetch and iterate, after a short warm-up: as long as JMH's measurement.
C_SECONDS=${C_SECONDS:-$JMH_ITERATIONS}
KEYS_FORCED=${KEYS_FORCED:-100000}
POOL_MIB_FORCED=${POOL_MIB_FORCED:-2048}
ROUND_UPDATES_FORCED=${ROUND_UPDATES_FORCED:-65536}
KEYS_MSYNC=${KEYS_MSYNC:-1000}
POOL_MIB_MSYNC=${POOL_MIB_MSYNC:-256}
ROUND_UPDATES_MSYNC=${ROUND_UPDATES_MSYNC:-1024}
out=$(mktemp -d "${TMPDIR:-/tmp}/vos-bench.XXXXXX")

if [ "$JNI17" = 1 ]; then
  vostok_find_jdk17
  [ -n "${VOSTOK_JDK17_HOME:-}" ] || vostok_die "JNI17=1 needs a Java 17 runtime (see the warning above)"
fi

echo "bench-vos: building the library, vos_bench and the JMH benchmarks (JAVA_HOME=$JAVA_HOME)" >&2
vostok_mvn -q -pl bindings/jni -am -Pjmh -DskipTests package >&2 \
  || vostok_die "the build failed (see above)"
bench="$ffm/target/native/native/bench/vos_bench"
[ -x "$bench" ] || vostok_die "no $bench after the build: the native benchmark did not build"
[ -f "$jni/target/jmh.classpath" ] || vostok_die "no $jni/target/jmh.classpath after the build"
classpath="$jni/target/test-classes:$jni/target/classes:$(cat "$jni/target/jmh.classpath")"

# same_process <rep> <java> <provider> <label>: SameProcess on one binding, its PAIRS lines
# into $out/same-<rep>.txt with the label as provider.
same_process() {
  echo "bench-vos: run $1, $4: C and the binding in turns in one process ($("$2" -version 2>&1 | head -1))" >&2
  PMEM_IS_PMEM_FORCE=1 "$2" --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -XX:+AlwaysPreTouch \
    -Djava.io.tmpdir="$out" -Dvostok.bench.loops="$loops" -cp "$classpath" \
    org.vostok.vos.bench.SameProcess "$KEYS_FORCED" "$POOL_MIB_FORCED" "$3" >"$out/same-$1-$4.log" 2>&1 \
    || { cat "$out/same-$1-$4.log" >&2; vostok_die "SameProcess failed (log above)"; }
  sed -n "s/^PAIRS provider=$3 /PAIRS provider=$4 /p" "$out/same-$1-$4.log" | tee -a "$out/same-$1.txt" >&2
}

if [ "${SAME_PROCESS:-0}" = 1 ]; then
  loops="$ffm/target/native/native/bench/libvostok-bench-loops.so"
  [ -f "$loops" ] || vostok_die "no $loops after the build: it needs jni.h under JAVA_HOME ($JAVA_HOME)"
  for rep in $(seq 1 "$REPEATS"); do
    : >"$out/same-$rep.txt"
    same_process "$rep" "$JAVA_HOME/bin/java" ffm ffm
    same_process "$rep" "$JAVA_HOME/bin/java" jni jni
    if [ "$JNI17" = 1 ]; then
      same_process "$rep" "$VOSTOK_JDK17_HOME/bin/java" jni jni17
    fi
  done
  echo
  echo "C and each binding in turns in one process, PMEM_IS_PMEM_FORCE=1, $KEYS_FORCED keys: the binding's"
  echo "share of C's throughput, median of the pairs of rounds [quartiles] (extremes), and in thread CPU time"
  printf '%-4s %-11s %-6s %11s %11s %6s %-13s %-13s %6s %-13s %8s %8s\n' run op side "C ops/s" "Java ops/s" ratio \
    "[q1-q3]" "(min-max)" cpu "[q1-q3]" "C cpu ns" "J cpu ns"
  for rep in $(seq 1 "$REPEATS"); do sed "s/^PAIRS /PAIRS run=$rep /" "$out/same-$rep.txt"; done | awk -v repeats="$REPEATS" '
    function get(name,    i, kv) { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == name) return kv[2] } return "" }
    function median(list,    a, k, m, i, j, t) {
      k = split(list, a, " ")
      for (i = 2; i <= k; i++)
        for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      m = int((k + 1) / 2)
      return (k % 2 == 1) ? a[m] : (a[m] + a[m + 1]) / 2 }
    {
      side = get("provider"); op = get("op"); key = op " " side
      if (!(key in seen)) { seen[key] = 1; order[++count] = key }
      printf "%-4s %-11s %-6s %11.0f %11.0f %6.2f %-13s %-13s %6.2f %-13s %8.0f %8.0f\n", get("run"), op, side,
        get("c_ops_per_s"), get("java_ops_per_s"), get("ratio"),
        sprintf("[%.2f-%.2f]", get("ratio_q1"), get("ratio_q3")), sprintf("(%.2f-%.2f)", get("ratio_min"), get("ratio_max")),
        get("cpu_ratio"), sprintf("[%.2f-%.2f]", get("cpu_q1"), get("cpu_q3")), get("c_cpu_ns"), get("java_cpu_ns")
      r[key] = r[key] " " get("ratio"); c[key] = c[key] " " get("cpu_ratio")
    }
    END {
      if (repeats < 2) exit
      for (i = 1; i <= count; i++) {
        split(order[i], part, " ")
        printf "%-4s %-11s %-6s %11s %11s %6.2f %-13s %-13s %6.2f\n", "med", part[1], part[2], "", "",
          median(r[order[i]]), "", "", median(c[order[i]])
      }
    }'
  echo
  echo "bench-vos: raw output in $out" >&2
  exit 0
fi

keys_for() { if [ "$1" = 1 ]; then echo "$KEYS_FORCED"; else echo "$KEYS_MSYNC"; fi; }
pool_mib_for() { if [ "$1" = 1 ]; then echo "$POOL_MIB_FORCED"; else echo "$POOL_MIB_MSYNC"; fi; }
rounds_for() { if [ "$1" = 1 ]; then echo "$ROUND_UPDATES_FORCED"; else echo "$ROUND_UPDATES_MSYNC"; fi; }

# jmh_run <java> <providers> <csv> <log> <benchmarks> <warm-up iterations>: some of the JMH
# benchmarks on one JVM.
jmh_run() {
  # shellcheck disable=SC2086
  PMEM_IS_PMEM_FORCE=$force "$1" --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="$out" -cp "$classpath" \
    org.openjdk.jmh.Main -f 1 -wi "$6" -w 1s -i "$JMH_ITERATIONS" -r 1s -jvm "$1" \
    -p provider="$2" -p keys="$keys" -p poolMiB="$pool_mib" -p valueBytes=1024 -p roundUpdates="$round_updates" \
    -rf csv -rff "$3" "org\\.vostok\\.vos\\.bench\\.VosBenchmark\\.($5)\$" >"$4" 2>&1 \
    || { cat "$4" >&2; vostok_die "JMH failed (log above, and in $out)"; }
  grep -E '^(Benchmark|VosBenchmark)' "$4" >&2 || true
}

# jmh <java> <providers> <csv> <log>: the JMH benchmarks on one JVM, the reads, then the
# updates with their own warm-up (into <csv>.updates: the two runs' csv columns differ).
jmh() {
  jmh_run "$1" "$2" "$3" "$4" 'fetch|fetchAlloc|iterate' "$JMH_WARMUP"
  jmh_run "$1" "$2" "$3.updates" "$4.updates" 'update1|update64' "$WARMUP_ROUNDS"
}

# run_c <rep> <force>: vos_bench, every operation.
run_c() {
  echo "bench-vos: run $1, PMEM_IS_PMEM_FORCE=$2, $keys keys, $pool_mib MiB pool, rounds of $round_updates updates: C" >&2
  PMEM_IS_PMEM_FORCE=$2 "$bench" --seconds "$C_SECONDS" --pool-dir "$out" --keys "$keys" \
    --pool-mib "$pool_mib" --value-bytes 1024 --round-updates "$round_updates" \
    --warmup-seconds "$JMH_WARMUP" --warmup-rounds "$WARMUP_ROUNDS" --rounds "$JMH_ITERATIONS" | tee "$out/c-$1-$2.txt" >&2
}

# run_java <rep> <force>: the JMH benchmarks through both bindings (and JNI on Java 17 with
# JNI17=1), then, with FORCE=1, the CPU time per fetch and per record.
run_java() {
  local rep=$1 provider
  echo "bench-vos: run $rep, PMEM_IS_PMEM_FORCE=$force: Java, FFM and JNI ($(java -version 2>&1 | head -1))" >&2
  jmh "$JAVA_HOME/bin/java" ffm,jni "$out/jmh-$rep-$force.csv" "$out/jmh-$rep-$force.log"
  if [ "$JNI17" = 1 ]; then
    echo "bench-vos: run $rep, PMEM_IS_PMEM_FORCE=$force: Java, JNI on $VOSTOK_JDK17_HOME" >&2
    jmh "$VOSTOK_JDK17_HOME/bin/java" jni "$out/jmh17-$rep-$force.csv" "$out/jmh17-$rep-$force.log"
  fi
  if [ "$force" = 1 ]; then
    echo "bench-vos: run $rep: CPU time per fetch and per iterated record, FFM then JNI (FetchCost)" >&2
    : >"$out/cost-$rep.txt"
    for provider in ffm jni; do
      PMEM_IS_PMEM_FORCE=1 java --enable-native-access=ALL-UNNAMED -Xms1g -Xmx1g -XX:+AlwaysPreTouch -Djava.io.tmpdir="$out" \
        -cp "$classpath" org.vostok.vos.bench.FetchCost "$keys" "$pool_mib" "$provider" \
        >>"$out/cost-$rep.txt" 2>&1 || { cat "$out/cost-$rep.txt" >&2; vostok_die "FetchCost failed"; }
    done
    cat "$out/cost-$rep.txt" >&2
  fi
}

for rep in $(seq 1 "$REPEATS"); do
  for force in $FORCES; do
    keys=$(keys_for "$force")
    pool_mib=$(pool_mib_for "$force")
    round_updates=$(rounds_for "$force")
    if [ $((rep % 2)) = 1 ]; then
      run_c "$rep" "$force"
      run_java "$rep" "$force"
    else
      run_java "$rep" "$force"
      run_c "$rep" "$force"
    fi
  done
done

# ops/s of one operation and provider in a JMH csv: fetch as it is (ops/s), iterate times the
# keys (JMH counts passes, vos_bench records), the updates from microseconds per round.
java_ops() { # <csv> <op> <provider> <keys> <round_updates>
  local csv=$1
  case $2 in update*) csv=$1.updates ;; esac
  [ -f "$csv" ] || return 0
  awk -F, -v op="$2" -v provider="$3" -v keys="$4" -v round="$5" '
    { gsub(/"/, "") }
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 ~ ("\\." op "$") && $col["Param: provider"] == provider {
      s = $col["Score"]
      if (op == "iterate") s = s * keys
      else if (op == "update1" || op == "update64") s = round / (s / 1e6)
      printf "%.0f", s; exit }' "$csv"
}

echo
header="%-4s %-10s %-6s %12s %12s %12s %7s %7s"
printf "$header" run op force "C ops/s" "FFM ops/s" "JNI ops/s" "FFM/C" "JNI/C"
[ "$JNI17" = 1 ] && printf ' %12s %7s' "JNI17 ops/s" "JNI17/C"
echo
# ops: fetch = fetches (into the caller's buffer on every side), fetchAlloc = fetches whose value
# comes back in a buffer of its own (Java's new byte[], C's malloc'd copy), update1 =
# transactions (one update each), update64 = updates (64 per transaction), iterate = records.
rows="$out/rows.txt"
: >"$rows"
for rep in $(seq 1 "$REPEATS"); do
  for force in $FORCES; do
    keys=$(keys_for "$force")
    round_updates=$(rounds_for "$force")
    for op in fetch fetchAlloc update1 update64 iterate; do
      c_op=$op; [ "$op" = fetchAlloc ] && c_op=fetch_alloc
      c=$(sed -n "s/^BENCH op=$c_op ops_per_s=\([0-9.]*\).*/\1/p" "$out/c-$rep-$force.txt" | head -1)
      f=$(java_ops "$out/jmh-$rep-$force.csv" "$op" ffm "$keys" "$round_updates")
      j=$(java_ops "$out/jmh-$rep-$force.csv" "$op" jni "$keys" "$round_updates")
      j17=$(java_ops "$out/jmh17-$rep-$force.csv" "$op" jni "$keys" "$round_updates")
      echo "$rep $op $force ${c:--} ${f:--} ${j:--} ${j17:--}" >>"$rows"
    done
  done
done
# One line per row; with several runs, then the median of each column (ratios: the median of
# the runs' ratios) per operation and force.
awk -v with17="$JNI17" -v repeats="$REPEATS" '
  function n(x) { return x == "-" ? "n/a" : sprintf("%.0f", x) }
  function r(x, c) { return (c != "-" && x != "-" && c > 0) ? sprintf("%.2f", x / c) : "n/a" }
  function line(rep, op, force, c, f, j, j17, rf, rj, rj17) {
    printf "%-4s %-10s %-6s %12s %12s %12s %7s %7s", rep, op, force, c, f, j, rf, rj
    if (with17 == 1) printf " %12s %7s", j17, rj17
    printf "\n" }
  function median(list,    a, k, m, i, j, t) {
    k = split(list, a, " "); if (k == 0) return "-"
    for (i = 2; i <= k; i++)  # insertion sort: a handful of runs
      for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    m = int((k + 1) / 2)
    return (k % 2 == 1) ? a[m] : (a[m] + a[m + 1]) / 2 }
  function add(key, x) { if (x != "-" && x != "n/a") vals[key] = vals[key] " " x }
  {
    line($1, $2, $3, n($4), n($5), n($6), n($7), r($5, $4), r($6, $4), r($7, $4))
    k = $2 SUBSEP $3
    if (!(k in seen)) { seen[k] = 1; order[++count] = k }
    add(k SUBSEP "c", $4); add(k SUBSEP "f", $5); add(k SUBSEP "j", $6); add(k SUBSEP "j17", $7)
    add(k SUBSEP "rf", r($5, $4)); add(k SUBSEP "rj", r($6, $4)); add(k SUBSEP "rj17", r($7, $4))
  }
  END {
    if (repeats < 2) exit
    for (i = 1; i <= count; i++) {
      k = order[i]; split(k, part, SUBSEP)
      rf = median(vals[k SUBSEP "rf"]); rj = median(vals[k SUBSEP "rj"]); rj17 = median(vals[k SUBSEP "rj17"])
      line("med", part[1], part[2], n(median(vals[k SUBSEP "c"])), n(median(vals[k SUBSEP "f"])),
           n(median(vals[k SUBSEP "j"])), n(median(vals[k SUBSEP "j17"])),
           rf == "-" ? "n/a" : sprintf("%.2f", rf), rj == "-" ? "n/a" : sprintf("%.2f", rj),
           rj17 == "-" ? "n/a" : sprintf("%.2f", rj17))
    }
  }' "$rows"

# The same fetches and iterations in thread CPU time: C from vos_bench, Java from FetchCost
# (FORCE=1 pass); iterate is per record.
if [[ " $FORCES " == *" 1 "* ]]; then
  echo
  printf '%-4s %-10s %12s %12s %12s %7s %7s\n' run op "C cpu ns" "FFM cpu ns" "JNI cpu ns" "C/FFM" "C/JNI"
  for rep in $(seq 1 "$REPEATS"); do
    for op in fetch fetch_hot fetch_alloc iterate; do
      c=$(sed -n "s/^BENCH op=$op .*cpu_ns_per_op=\([0-9.]*\).*/\1/p" "$out/c-$rep-1.txt" | head -1)
      f=$(sed -n "s/^COST provider=ffm op=$op cpu_ns_per_op=\([0-9.]*\)/\1/p" "$out/cost-$rep.txt")
      j=$(sed -n "s/^COST provider=jni op=$op cpu_ns_per_op=\([0-9.]*\)/\1/p" "$out/cost-$rep.txt")
      awk -v rep="$rep" -v op="$op" -v c="${c:-}" -v f="${f:-}" -v j="${j:-}" 'function n(x) { return x == "" ? "n/a" : x }
        function r(x) { return (c != "" && x != "" && x > 0) ? sprintf("%.2f", c / x) : "n/a" }
        BEGIN { printf "%-4s %-10s %12s %12s %12s %7s %7s\n", rep, op, n(c), n(f), n(j), r(f), r(j) }'
    done
  done
  echo "(C/FFM and C/JNI: the share of C's fetches, or records, per CPU second that each binding reaches)"
fi
echo
echo "bench-vos: raw output in $out" >&2
