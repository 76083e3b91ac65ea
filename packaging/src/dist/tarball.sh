#!/bin/sh
# Packs the install tree TREE (bin/ lib/ share/) with install.sh and README.md into OUT as NAME/...
# tar keeps the personalities' symlinks and the files' times (the AOT caches check their jars).
# Usage: tarball.sh TREE OUT NAME MODULE_DIR
set -eu
tree=$1 out=$2 name=$3 module=$4
stage=$(mktemp -d "${TMPDIR:-/tmp}/jrunit-dist.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
(cd "$tree" && tar -cf - bin lib share) | (cd "$stage/$name" && tar -xpf -)
cp "$module/src/dist/install.sh" "$stage/$name/install.sh"
chmod 755 "$stage/$name/install.sh"
cp "$module/README.md" "$stage/$name/README.md"
tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out" "$name"
echo "[dist] $out"
