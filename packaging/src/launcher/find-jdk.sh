# Sourced by the launchers, ./mvn25 and .ci/run: prints the home of a JDK 25 or newer.
# Reads each candidate's `release` file with shell builtins only (no `java -version`: it costs a JVM start).
# Candidates, first match wins: $JRUNIT_JAVA_HOME, $JAVA_HOME, the newest under /usr/lib/jvm.

jrunit_jdk_major() { # $1 = JDK home; prints its feature version, or nothing
    [ -x "$1/bin/java" ] && [ -r "$1/release" ] || return 1
    while IFS= read -r _line; do
        case $_line in
            JAVA_VERSION=*)
                _v=${_line#JAVA_VERSION=}; _v=${_v#\"}; _v=${_v%%[!0-9]*}
                [ -n "$_v" ] && echo "$_v" && return 0 ;;
        esac
    done < "$1/release"
    return 1
}

jrunit_find_jdk() {
    for _home in "${JRUNIT_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
        [ -n "$_home" ] || continue
        _m=$(jrunit_jdk_major "$_home") && [ "$_m" -ge 25 ] && { echo "$_home"; return 0; }
    done
    _best= _bestm=0
    for _home in /usr/lib/jvm/*; do
        [ -L "$_home" ] && continue
        _m=$(jrunit_jdk_major "$_home") || continue
        [ "$_m" -ge 25 ] && [ "$_m" -gt "$_bestm" ] && { _best=$_home; _bestm=$_m; }
    done
    [ -n "$_best" ] && { echo "$_best"; return 0; }
    return 1
}
