# Shared by ./vostok and ./run-tests: find a JDK 22 or newer (the build), a Java 17 runtime (the
# JNI bindings' tests run on it too) and the native build tools.
# Sourced, not run. Every failure says what was wrong and the command that fixes it.

vostok_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

vostok_die() {
  echo "vostok: $*" >&2
  exit 1
}

# The major version of the JDK at $1, or nothing when $1 holds no java.
vostok_jdk_major() {
  local java="$1/bin/java" line
  [ -x "$java" ] && [ -x "$1/bin/javac" ] || return 0
  line=$("$java" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version') || return 0
  echo "${line##*= }"
}

# The feature version of the Java runtime at $1 (a JDK or a JRE), or nothing when $1 holds no java.
vostok_java_major() {
  local java="$1/bin/java" line
  [ -x "$java" ] || return 0
  line=$("$java" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version') || return 0
  echo "${line##*= }"
}

# The install places searched for JDKs, one per line.
vostok_jdk_candidates() {
  local candidate
  for candidate in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/jdk* /usr/java/* \
                   "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$candidate" ] && echo "$candidate"
  done
  if command -v java >/dev/null 2>&1; then
    dirname "$(dirname "$(readlink -f "$(command -v java)")")"
  fi
}

# Sets VOSTOK_JDK17_HOME to a Java 17 runtime, for the tests that run the JNI bindings on Java 17
# (Maven gets it as -Dvostok.jdk17.home): VOSTOK_JDK17_HOME when it is one, else the first found
# in the usual places or behind the default `java`. When there is none, root on Debian installs
# openjdk-17-jre-headless; anyone else gets a warning, and those tests are skipped.
vostok_find_jdk17() {
  local candidate
  if [ -n "${VOSTOK_JDK17_HOME:-}" ]; then
    [ "$(vostok_java_major "$VOSTOK_JDK17_HOME")" = 17 ] && { export VOSTOK_JDK17_HOME; return 0; }
    echo "vostok: VOSTOK_JDK17_HOME=$VOSTOK_JDK17_HOME is not a Java 17 runtime; looking elsewhere" >&2
  fi
  while read -r candidate; do
    if [ "$(vostok_java_major "$candidate")" = 17 ]; then
      export VOSTOK_JDK17_HOME=$candidate
      return 0
    fi
  done < <(vostok_jdk_candidates)
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "vostok: no Java 17 runtime found; installing openjdk-17-jre-headless for the JNI tests" >&2
    if { DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >&2 \
         || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jre-headless >&2; }; } \
       && [ "$(vostok_java_major /usr/lib/jvm/java-17-openjdk-amd64)" = 17 ]; then
      export VOSTOK_JDK17_HOME=/usr/lib/jvm/java-17-openjdk-amd64
      return 0
    fi
  fi
  unset VOSTOK_JDK17_HOME
  echo "vostok: WARNING: no Java 17 runtime found, so the tests that run the JNI bindings on Java 17 are
  SKIPPED (they run on the build's JDK only). Install one (Debian: apt-get install openjdk-17-jre-headless)
  or set VOSTOK_JDK17_HOME=/path/to/jdk-17." >&2
}

# Sets JAVA_HOME to a JDK 22 or newer: JAVA_HOME when it is one, else the newest found in
# the usual install places. The build needs 22+ for the FFM API (java.lang.foreign).
vostok_find_jdk() {
  local candidate major best="" best_major=0
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(vostok_jdk_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge 22 ] 2>/dev/null; then
      export JAVA_HOME
      return 0
    fi
    echo "vostok: JAVA_HOME=$JAVA_HOME is not a JDK 22 or newer (found '${major:-no java}'); looking elsewhere" >&2
  fi
  while read -r candidate; do
    major=$(vostok_jdk_major "$candidate")
    [ -n "$major" ] || continue
    if [ "$major" -ge 22 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best=$candidate
      best_major=$major
    fi
  done < <(vostok_jdk_candidates)
  [ -n "$best" ] || vostok_die "no JDK 22 or newer found (looked at JAVA_HOME and /usr/lib/jvm, /opt, ~/.sdkman).
  Install one, e.g. on Debian 12: apt-get install temurin-25-jdk (Adoptium's repository), or unpack
  a JDK from https://adoptium.net and run with JAVA_HOME=/path/to/jdk"
  export JAVA_HOME=$best
}

# Makes sure the Debian packages the native library needs are installed: installs them when
# running as root, otherwise stops with the exact command to run.
vostok_ensure_packages() {
  local missing=() pkg
  command -v cmake >/dev/null 2>&1 || missing+=(cmake)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  command -v g++ >/dev/null 2>&1 || missing+=(g++) # JavaCPP compiles the JNI glue as C++
  command -v make >/dev/null 2>&1 || missing+=(make)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  for pkg in libpmemobj-dev; do
    if command -v dpkg-query >/dev/null 2>&1; then
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    vostok_die "missing build tools or libraries: ${missing[*]}. Install them with your package manager (PMDK's libpmemobj 1.12 or newer, with its headers)."
  fi
  if [ "$(id -u)" -ne 0 ]; then
    vostok_die "missing Debian packages: ${missing[*]}. Install them with:
  sudo apt-get install -y ${missing[*]}"
  fi
  echo "vostok: installing missing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "${missing[@]}" >&2; then
    apt-get update -q >&2 || true
    apt-get install -y -q "${missing[@]}" >&2 || vostok_die "apt-get could not install: ${missing[*]}. Check the network and the package sources, then run: apt-get install -y ${missing[*]}"
  fi
}

# Runs Maven through the wrapper (it pins Maven 3.9) with the JDK found above, and the Java 17
# runtime when vostok_find_jdk17 found one.
vostok_mvn() {
  local jdk17=()
  [ -n "${VOSTOK_JDK17_HOME:-}" ] && jdk17=("-Dvostok.jdk17.home=$VOSTOK_JDK17_HOME")
  (cd "$vostok_root" && ./mvnw -B -Dstyle.color=never "${jdk17[@]}" "$@")
}

# How busy the whole machine is, in % of all its CPUs over 2 s (from /proc/stat).
vostok_cpu_busy_pct() {
  local a b
  a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
  local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

# vostok_wait_idle PCT SECONDS: waits until the machine is below PCT % busy, for SECONDS at most
# (then says so and goes on), so that a benchmark does not share the cores with other work.
vostok_wait_idle() {
  local pct=$1 max=$2 waited=0 busy
  while busy=$(vostok_cpu_busy_pct); [ "$busy" -ge "$pct" ]; do
    if [ "$waited" -ge "$max" ]; then echo "# machine still ${busy}% busy after ${waited}s, running anyway"; break; fi
    [ "$waited" -eq 0 ] && echo "# waiting for other load to stop (${busy}% busy)"
    sleep 8; waited=$((waited + 10))
  done
  return 0
}
