# Sourced by the launchers, ./mvn25 and .ci/run: finds the home of a JDK 25 or newer.
# Reads each candidate's `release` file with shell builtins only (no `java -version`: it costs a JVM start),
# and forks nothing: the launchers call jrunit_locate_jdk, which sets _jrunit_jdk.
# Candidates, first match wins: $JRUNIT_JAVA_HOME, $JAVA_HOME, the newest under /usr/lib/jvm.
# Every variable is named _jrunit_*: a sourced script shares the launcher's environment, and assigning a
# variable the caller happened to export would change what the tool's children inherit.

jrunit_jdk_major() { # $1 = JDK home; sets _jrunit_major to its feature version, or fails
    _jrunit_major=
    [ -x "$1/bin/java" ] && [ -r "$1/release" ] || return 1
    while IFS= read -r _jrunit_line; do
        case $_jrunit_line in
            JAVA_VERSION=*)
                _jrunit_major=${_jrunit_line#JAVA_VERSION=}; _jrunit_major=${_jrunit_major#\"}
                _jrunit_major=${_jrunit_major%%[!0-9]*}
                [ -n "$_jrunit_major" ] && return 0
                return 1 ;;
        esac
    done < "$1/release"
    return 1
}

jrunit_locate_jdk() { # sets _jrunit_jdk, or fails
    for _jrunit_home in "${JRUNIT_JAVA_HOME:-}" "${JAVA_HOME:-}"; do
        [ -n "$_jrunit_home" ] || continue
        jrunit_jdk_major "$_jrunit_home" && [ "$_jrunit_major" -ge 25 ] && { _jrunit_jdk=$_jrunit_home; return 0; }
    done
    _jrunit_jdk= _jrunit_bestm=0
    for _jrunit_home in /usr/lib/jvm/*; do
        [ -L "$_jrunit_home" ] && continue
        jrunit_jdk_major "$_jrunit_home" || continue
        [ "$_jrunit_major" -ge 25 ] && [ "$_jrunit_major" -gt "$_jrunit_bestm" ] &&
            { _jrunit_jdk=$_jrunit_home; _jrunit_bestm=$_jrunit_major; }
    done
    [ -n "$_jrunit_jdk" ]
}

jrunit_find_jdk() { # prints the JDK's home, or fails
    jrunit_locate_jdk && echo "$_jrunit_jdk"
}
