#!/bin/sh
# Installs jrunit from this unpacked tarball: PREFIX/bin (the tools under runit's names), PREFIX/lib/jrunit
# (jars, AOT caches), PREFIX/share/man/man8, PREFIX/share/bash-completion/completions.
# Records what it installed in PREFIX/lib/jrunit/installed-files (and .dirs), which --uninstall removes.
usage() {
    echo "usage: install.sh [--prefix DIR] [--uninstall]    (default prefix: /usr/local)" >&2
    exit 100
}
set -eu
prefix=/usr/local uninstall=
while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage ;;
        *) echo "install.sh: unknown argument: $1" >&2; usage ;;
    esac
done
case $prefix in /*) ;; *) echo "install.sh: --prefix must be an absolute path: $prefix" >&2; exit 100 ;; esac
manifest=$prefix/lib/jrunit/installed-files

if [ -n "$uninstall" ]; then
    [ -r "$manifest" ] || { echo "install.sh: nothing to uninstall: no $manifest" >&2; exit 1; }
    # files and links first, then the directories (children before parents), each only if now empty
    while IFS= read -r f; do
        case $f in */) ;; *) rm -f "$prefix/$f" ;; esac
    done <"$manifest"
    rm -f "$manifest"
    grep '/$' "$manifest.dirs" 2>/dev/null | sort -r | while IFS= read -r d; do
        rmdir "$prefix/$d" 2>/dev/null || true
    done
    rm -f "$manifest.dirs"
    rmdir "$prefix/lib/jrunit" "$prefix/lib" "$prefix/bin" "$prefix/share" 2>/dev/null || true
    echo "jrunit removed from $prefix"
    exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
[ -x "$here/bin/sv" ] && [ -d "$here/lib/jrunit" ] || { echo "install.sh: run me from the unpacked jrunit tarball" >&2; exit 111; }
mkdir -p "$prefix"
# tar, not cp: keeps the personalities' symlinks and the files' times (the AOT caches check their jars)
(cd "$here" && tar -cf - bin lib share) | (cd "$prefix" && tar -xpf - --no-same-owner)
(cd "$here" && find bin lib share ! -type d) >"$manifest.new"
(cd "$here" && find bin lib share -type d | sed 's|$|/|') >"$manifest.dirs"
mv "$manifest.new" "$manifest"
echo "jrunit installed in $prefix: put $prefix/bin on PATH (before /usr/bin if Debian's runit is installed too)"
. "$prefix/lib/jrunit/find-jdk.sh"
jrunit_find_jdk >/dev/null || echo "install.sh: warning: no JDK 25 or newer found; install one, or set JRUNIT_JAVA_HOME" >&2
exit 0
