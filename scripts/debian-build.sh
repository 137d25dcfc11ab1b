#!/usr/bin/env bash
# Ground truth for config-aware answers: which functions Debian's real build of the installed
# linux-source-6.12 actually compiled, into vmlinux or into which module.
# Usage: scripts/debian-build.sh [flavour]   (cloud-amd64, the default, or amd64)
# Prints the output folder on stdout; progress goes to stderr. Running it again is free (stamp).
#
# Output, in ${KPATH_HOME:-~/.cache/kpath}/debian-builds/<abi>-<flavour>/:
#   config       the build's .config (the image's /boot/config-<ver>)
#   symbols.tsv  <function>\t<module>: module is `vmlinux` (System.map) or the .ko's file name
#                without .ko (file-name form: '-' where the module name has '_'); text symbols
#                only (t T W w), compiler suffixes (.isra.0, .cold, ...) and __pfx_/__cfi_
#                padding and modules' init_module/cleanup_module aliases dropped, sorted, unique
#   modules.tsv  <module>\t<path of the .ko under lib/modules/<ver>/kernel/, without .xz>
#   .stamp       written last: the folder is complete
#
# A symbol exists only for code compiled out of line: a static function inlined at every call
# has none even though its file was built, so absence means "not built, or always inlined".
#
# Fresh run, measured here (2 cores, 100-180 MB/s to the Debian mirror):
#   cloud-amd64: 11-17 s (download 34 + 318 MB: 7-11 s; extract, xz -d, nm of 1138 modules: 4-6 s)
#   amd64:       37 s (download 107 MB + 1.03 GB: 13 s; 4230 modules: 24 s)
# The -dbg .deb is read only up to System.map (its 9th member), so its size costs download only.
# .debs already in the cache folder are reused and kept; downloaded ones go with the temp folder.
set -euo pipefail

flavour=${1:-cloud-amd64}
case "$flavour" in
  cloud-amd64|amd64|rt-amd64) ;;
  *) echo "debian-build: unknown flavour '$flavour' (cloud-amd64, amd64 or rt-amd64)" >&2; exit 2 ;;
esac
cache=${KPATH_HOME:-$HOME/.cache/kpath}/debian-builds
say() { echo "debian-build: $*" >&2; }
die() { say "error: $*"; exit 1; }

for tool in apt-get apt-cache dpkg-deb dpkg-query tar xz nm awk find xargs flock; do
  command -v "$tool" >/dev/null || die "'$tool' is missing (nm is in binutils, flock in util-linux)"
done

# The build must be of the very source kpath indexes, so its version comes from linux-source-6.12.
version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) \
  || die "linux-source-6.12 is not installed (scripts/fetch-kernel.sh installs it)"
# Debian's ABI name: upstream version + the release it was built for, 6.12.118-1~deb12u1 ->
# 6.12.118+deb12. Other version shapes can say it with KPATH_DEBIAN_ABI.
release=$(sed -n 's/.*~\(deb[0-9][0-9]*\)u[0-9][0-9]*$/\1/p' <<<"$version")
abi=${KPATH_DEBIAN_ABI:-${version%%-*}${release:++$release}}
image=linux-image-$abi-$flavour-unsigned
dbg=linux-image-$abi-$flavour-dbg
out=$cache/$abi-$flavour

mkdir -p "$cache"
# Two runs at once (e.g. two test workers) must not build the same folder twice.
exec 9>"$out.lock"
flock 9
if [ -f "$out/.stamp" ]; then echo "$out"; exit 0; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kpath-debian-build.XXXXXX")
trap 'rm -rf "$work" "$out.partial"' EXIT
start=$SECONDS

# A .deb already in the cache folder is reused (and kept); anything else is downloaded into the
# temporary folder and goes away with it.
deb_for() {
  local pkg=$1 cached="$cache/${1}_${version}_amd64.deb"
  if [ -f "$cached" ]; then echo "$cached"; return; fi
  apt-cache show "$pkg=$version" >/dev/null 2>&1 \
    || die "apt does not know $pkg=$version (run apt-get update; or set KPATH_DEBIAN_ABI if the ABI is not $abi)"
  say "downloading $pkg $version"
  # As root, apt would drop to _apt, which cannot write to a mktemp folder: it only warns, but
  # the download might as well stay root.
  local sandbox=()
  [ "$(id -u)" != 0 ] || sandbox=(-o APT::Sandbox::User=root)
  (cd "$work" && apt-get download -q "${sandbox[@]}" "$pkg=$version" >&2) \
    || die "apt-get download $pkg=$version failed"
  ls "$work/${pkg}"_*.deb
}
image_deb=$(deb_for "$image")
dbg_deb=$(deb_for "$dbg")
say "downloads ready after $((SECONDS - start)) s"

# The unsigned image's own System.map is a placeholder; the real one is in -dbg, near the start
# of its data.tar: --occurrence makes tar stop there instead of reading ~1 GB of debug info
# (dpkg-deb then dies of SIGPIPE, hence the || true and the checks below).
map=$work/System.map
(dpkg-deb --fsys-tarfile "$dbg_deb" 2>/dev/null || true) \
  | tar -x --occurrence=1 -O "./usr/lib/debug/boot/System.map-$abi-$flavour" >"$map" 2>/dev/null || true
grep -q ' [Tt] start_kernel$' "$map" || die "no usable System.map-$abi-$flavour in $dbg_deb"

say "extracting modules and config from $(basename "$image_deb")"
dpkg-deb --fsys-tarfile "$image_deb" \
  | tar -x -C "$work" --wildcards "./boot/config-$abi-$flavour" "./lib/modules/$abi-$flavour/kernel/*" \
  || die "could not extract $image_deb"
kernel=$work/lib/modules/$abi-$flavour/kernel
[ -d "$kernel" ] || die "$image_deb has no lib/modules/$abi-$flavour/kernel"

jobs=$(nproc 2>/dev/null || echo 2)
count=$(find "$kernel" -name '*.ko.xz' | wc -l)
say "decompressing $count modules ($jobs workers)"
(cd "$kernel" && find . -name '*.ko.xz' -print0 | xargs -0 -r -P "$jobs" -n 64 xz -d)
# Plain .ko (an image built without compression) needs nothing; .ko.zst would need zstd.
[ -z "$(find "$kernel" -name '*.ko.zst' -print -quit)" ] || die "zstd-compressed modules are not handled"

say "reading module symbols"
mkdir "$work/nm"
# One output file per batch: parallel writers to one pipe would interleave their lines.
(cd "$kernel" && find . -name '*.ko' -print0 | sort -z \
  | xargs -0 -r -P "$jobs" -n 200 sh -c 'nm -A --defined-only "$@" >"$(mktemp "$0/XXXXXX")"' "$work/nm") \
  || die "nm failed on a module"

rm -rf "$out.partial" && mkdir -p "$out.partial"
cp "$work/boot/config-$abi-$flavour" "$out.partial/config"
(cd "$kernel" && find . -name '*.ko' | sed 's|^\./||' | sort \
  | awk '{ n = $0; sub(/^.*\//, "", n); sub(/\.ko$/, "", n); print n "\t" $0 }') >"$out.partial/modules.tsv"

# Keep text symbols, reduce them to their C name, drop padding; `nm -A` lines are
# "./path/x.ko:addr type name", System.map lines are "addr type name".
awk -v OFS='\t' '
  function emit(sym, where) {
    if (sym ~ /^__(pfx|cfi)_/) return
    if (!match(sym, /^[A-Za-z_][A-Za-z0-9_]*/)) return
    # "foo.isra.0", "foo.cold", "foo.llvm.123" are foo; anything else is not a C function.
    if (RLENGTH < length(sym) && substr(sym, RLENGTH + 1, 1) != ".") return
    print substr(sym, 1, RLENGTH), where
  }
  FILENAME == map { if ($2 ~ /^[tTwW]$/) emit($3, "vmlinux"); next }
  $2 ~ /^[tTwW]$/ && NF == 3 {
    # module_init()/module_exit() add these as aliases of the real (also listed) functions.
    if ($3 == "init_module" || $3 == "cleanup_module") next
    colon = index($1, ":"); ko = substr($1, 1, colon - 1)
    sub(/^.*\//, "", ko); sub(/\.ko$/, "", ko)
    emit($3, ko)
  }' map="$map" "$map" "$work"/nm/* | LC_ALL=C sort -u >"$out.partial/symbols.tsv"

vmlinux=$(awk -F'\t' '$2 == "vmlinux"' "$out.partial/symbols.tsv" | wc -l)
[ "$vmlinux" -gt 10000 ] || die "only $vmlinux vmlinux symbols: System.map looks wrong"
printf '%s\n' "abi=$abi" "flavour=$flavour" "version=$version" "modules=$count" \
  "vmlinux_symbols=$vmlinux" "built=$(date -u +%FT%TZ)" >"$out.partial/.stamp.tmp"
rm -rf "$out"
mv "$out.partial/.stamp.tmp" "$out.partial/.stamp"
mv "$out.partial" "$out"
say "$flavour: $vmlinux vmlinux symbols, $count modules, $(($(wc -l <"$out/symbols.tsv") - vmlinux)) module symbols, in $((SECONDS - start)) s"
echo "$out"
