#!/bin/sh
# jrunit: runs one of jrunit's tools by name, from the directory this script lives in.
# The Debian package puts only this command on PATH (/usr/bin/jrunit), so that runit's own
# /usr/bin/sv, /usr/bin/runsv... stay untouched; `jrunit sv status web` is jrunit's sv.
_jrunit_self=$(readlink -f -- "$0") || _jrunit_self=$0
_jrunit_bin=${_jrunit_self%/*}
usage() {
    cat <<USAGE
usage: jrunit TOOL [ARGUMENTS...]
       jrunit bindir
TOOL is one of: runsvdir runsv sv chpst svlogd runsvchdir
                envdir envuidgid pgrphack setuidgid setlock softlimit
To use jrunit's tools under runit's names, put their directory first on PATH:
    PATH=$_jrunit_bin:\$PATH
(then \`man sv\` shows jrunit's page too). See jrunit(1).
USAGE
}
case ${1:-} in
    runsv|runsvdir|runsvchdir|sv|chpst|svlogd|envdir|envuidgid|pgrphack|setuidgid|setlock|softlimit)
        _jrunit_tool=$1; shift
        exec "$_jrunit_bin/$_jrunit_tool" "$@" ;;
    bindir)
        echo "$_jrunit_bin"; exit 0 ;;
    -h|--help|help)
        usage; exit 0 ;;
    *)
        usage >&2; exit 100 ;;
esac
