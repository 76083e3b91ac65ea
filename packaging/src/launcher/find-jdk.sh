# Sourced by the launchers, ./mvn25 and .ci/run: prints the home of a JDK 25 or newer.
# Reads each candidate's `release` file with shell builtins only (no `java -version`: it costs a JVM start).
# Candidates, first match wins: $JRUNIT_JAVA_HOME, $JAVA_HOME, the newest under /usr/lib/jvm.
# Every variable is named _jrunit_*: a sourced script shares the launcher's environment, and assigning a
# variable the caller happened to export would change what the tool's children inherit.

jrunit_jdk_major() { # $1 = JDK home; prints its feature version, or nothing
    [ -x "$1/bin/java" ] && [ -r "$1/release" ] || return 1
    while IFS= read -r _jrunit_line; do
        case $_jrunit_line in
            JAVA_VERSION=*)
                _jrunit_v=${_jrunit_line#JAVA_VERSION=}; _jrunit_v=${_jrunit_v#\"}; _jrunit_v=${_jrunit_v%%[!0-9]*}
                [ -n "$_jrunit_v" ] && echo "$_jrunit_v" && return 0 ;;
        esac
    done < "$1/release"
    return 1
}

jrunit_find_jdk() {
    for _jrunit_home in "${JRUNIT_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
        [ -n "$_jrunit_home" ] || continue
        _jrunit_m=$(jrunit_jdk_major "$_jrunit_home") && [ "$_jrunit_m" -ge 25 ] && { echo "$_jrunit_home"; return 0; }
    done
    _jrunit_best= _jrunit_bestm=0
    for _jrunit_home in /usr/lib/jvm/*; do
        [ -L "$_jrunit_home" ] && continue
        _jrunit_m=$(jrunit_jdk_major "$_jrunit_home") || continue
        [ "$_jrunit_m" -ge 25 ] && [ "$_jrunit_m" -gt "$_jrunit_bestm" ] && { _jrunit_best=$_jrunit_home; _jrunit_bestm=$_jrunit_m; }
    done
    [ -n "$_jrunit_best" ] && { echo "$_jrunit_best"; return 0; }
    return 1
}
