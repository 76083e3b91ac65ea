#!/bin/sh
# Installs jrunit from this unpacked tarball: PREFIX/bin (the tools under runit's names), PREFIX/lib/jrunit
# (jars, AOT caches), PREFIX/share/man/man8, PREFIX/share/bash-completion/completions.
# Records what it installed in PREFIX/lib/jrunit/installed-files, which --uninstall removes.
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
    while IFS= read -r f; do
        [ -L "$prefix/$f" ] || [ -f "$prefix/$f" ] && rm -f "$prefix/$f"
    done <"$manifest"
    rm -f "$manifest"
    # directories that were ours and are now empty (deepest first)
    for d in lib/jrunit/aot lib/jrunit share/bash-completion/completions share/bash-completion \
             share/man/man1 share/man/man8 share/man share/jrunit/examples/service/hello/log \
             share/jrunit/examples/service/hello share/jrunit/examples/service share/jrunit/examples share/jrunit lib bin share; do
        rmdir "$prefix/$d" 2>/dev/null || true
    done
    echo "jrunit removed from $prefix"
    exit 0
fi

here=$(cd "$(dirname "$0")" && pwd)
[ -x "$here/bin/sv" ] && [ -d "$here/lib/jrunit" ] || { echo "install.sh: run me from the unpacked jrunit tarball" >&2; exit 111; }
mkdir -p "$prefix"
# tar, not cp: keeps the personalities' symlinks and the files' times (the AOT caches check their jars)
(cd "$here" && tar -cf - bin lib share) | (cd "$prefix" && tar -xpf - --no-same-owner)
(cd "$here" && find bin lib share ! -type d) >"$manifest.new"
echo lib/jrunit/installed-files >>"$manifest.new"
mv "$manifest.new" "$manifest"
echo "jrunit installed in $prefix: put $prefix/bin on PATH (before /usr/bin if Debian's runit is installed too)"
. "$prefix/lib/jrunit/find-jdk.sh"
jrunit_find_jdk >/dev/null || echo "install.sh: warning: no JDK 25 or newer found; install one, or set JRUNIT_JAVA_HOME" >&2
exit 0
