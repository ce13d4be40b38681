# Sourced by the project's scripts: finds a JDK 25 and Maven, installing Maven with apt-get when it is missing.
# A JDK 25 is looked for in $PATRONUS_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/*; the script fails naming every place it looked.

patronus_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

find_jdk25() {
  local looked=() c
  for c in "${PATRONUS_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 \
           /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-25-openjdk-arm64 /usr/lib/jvm/*; do
    [ -n "$c" ] || continue
    looked+=("$c")
    if [ -x "$c/bin/javac" ] && [ "$(java_major "$c")" = "25" ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "patronus: no JDK 25 found. Looked in: ${looked[*]}" >&2
  echo "patronus: install Temurin 25 (or set PATRONUS_JAVA_HOME to a JDK 25) and try again." >&2
  return 1
}

apt_install() {
  # Installs Debian packages when missing; needs root (as on the project's machines).
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "patronus: missing packages ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "patronus: installing ${missing[*]} with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_build_tools() {
  find_jdk25 || return 1
  command -v mvn >/dev/null 2>&1 || apt_install maven || return 1
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven's own Guava warns about sun.misc.Unsafe on JDK 25; the warning is noise, not a problem.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
