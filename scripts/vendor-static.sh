#!/usr/bin/env bash
# Vendor the front-end libraries into the Python package, so gridcare serves
# them itself (utility networks are often closed: no CDN at run time, and no
# node/npm build step either). See docs/decisions/003-vendored-front-end.md.
#
# To update: change the pinned versions below, run `bash scripts/vendor-static.sh`,
# check the pages, and commit src/gridcare/web/static/vendor/ with this script.
#
# Needs node and npm (only here, never at build or run time). Each package is
# fetched with `npm pack` into a temp dir and extracted with tar: nothing is
# installed into the repo and no node_modules is left behind.
set -euo pipefail

# --- Pinned versions -------------------------------------------------------
HTMX_VERSION=2.0.11            # htmx.org, latest 2.x (npm "latest" is 4.x: breaking changes)
HTMX_EXT_SSE_VERSION=2.2.4     # htmx-ext-sse, latest 2.x (the SSE extension for htmx 2)
ALPINEJS_VERSION=3.17.5        # alpinejs, latest 3.x
LEAFLET_VERSION=1.9.4          # leaflet, latest 1.9.x
ECHARTS_VERSION=6.1.0          # echarts, latest stable
# Fetched only for their licence texts: code bundled inside the builds above.
ZRENDER_VERSION=6.1.0          # inside echarts.min.js (= echarts' exact "zrender" dependency)
VUE_REACTIVITY_VERSION=3.5.45  # inside alpine's cdn.min.js (alpinejs depends on ~3.5.x)

# Licence of each package, checked against its package.json where it declares one.
HTMX_LICENSE=0BSD
HTMX_EXT_SSE_LICENSE=0BSD
ALPINEJS_LICENSE=MIT
LEAFLET_LICENSE=BSD-2-Clause
ECHARTS_LICENSE=Apache-2.0
ZRENDER_LICENSE=BSD-3-Clause
VUE_REACTIVITY_LICENSE=MIT

ECHARTS_MAX_BYTES=$((2 * 1024 * 1024))
# ---------------------------------------------------------------------------

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST="$ROOT/src/gridcare/web/static/vendor"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"          # the new vendor tree, moved into place only once complete
mkdir -p "$OUT"

die() { echo "vendor-static: $*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is needed"
command -v node >/dev/null || die "node is needed"

# fetch PKG VERSION LICENSE: npm pack + extract; sets PKG_DIR and PKG_INTEGRITY.
fetch() {
    local pkg=$1 version=$2 license=$3
    local dir="$WORK/pkg/${pkg//\//_}-$version"
    mkdir -p "$dir"
    echo "fetching $pkg@$version" >&2
    (cd "$dir" && npm pack --json --silent "$pkg@$version" >pack.json)
    local tgz
    tgz=$(node -p 'require(process.argv[1])[0].filename' "$dir/pack.json")
    PKG_INTEGRITY=$(node -p 'require(process.argv[1])[0].integrity' "$dir/pack.json")
    tar -xzf "$dir/$tgz" -C "$dir"
    PKG_DIR="$dir/package"
    local got declared
    got=$(node -p 'require(process.argv[1]).version' "$PKG_DIR/package.json")
    [[ $got == "$version" ]] || die "$pkg: asked for $version, got $got"
    declared=$(node -p 'require(process.argv[1]).license || ""' "$PKG_DIR/package.json")
    if [[ -n $declared && $declared != "$license" ]]; then
        die "$pkg@$version declares licence '$declared', script expects '$license'"
    fi
}

# put SRC REL: copy SRC to $OUT/REL and remember REL for VERSIONS.txt.
FILES=()
put() {
    [[ -f $1 ]] || die "missing in package: ${1#"$WORK"/pkg/}"
    install -D -m 0644 "$1" "$OUT/$2"
    FILES+=("$2")
}

# check_minified REL: a minified build has very long lines, a source build short ones.
check_minified() {
    local f="$OUT/$1" bytes lines
    bytes=$(wc -c <"$f")
    lines=$(($(wc -l <"$f") + 1))
    ((bytes / lines > 1000)) || die "$1 does not look minified ($bytes bytes, $lines lines)"
}

VERSIONS="$WORK/VERSIONS.txt"
cat >"$VERSIONS" <<'EOF'
# Front-end libraries vendored by scripts/vendor-static.sh; do not edit by hand.
# Paths are relative to this directory. integrity = npm's hash of the package tarball.
EOF

# record PKG VERSION LICENSE [NOTE]: append a block to VERSIONS.txt and reset FILES.
record() {
    {
        echo
        echo "$1 $2"
        echo "  license: $3"
        [[ -z ${4:-} ]] || echo "  note: $4"
        echo "  integrity: $PKG_INTEGRITY"
        echo "  files:"
        printf '    %s\n' "${FILES[@]}"
    } >>"$VERSIONS"
    FILES=()
}

# --- htmx ------------------------------------------------------------------
fetch htmx.org "$HTMX_VERSION" "$HTMX_LICENSE"
put "$PKG_DIR/dist/htmx.min.js" htmx/htmx.min.js
put "$PKG_DIR/LICENSE" htmx/LICENSE
check_minified htmx/htmx.min.js
record htmx.org "$HTMX_VERSION" "$HTMX_LICENSE"

# htmx 2's package still ships dist/ext/sse.js, but that is the htmx 1 extension
# (it warns on htmx 2); the htmx 2 one lives in the htmx-ext-sse package.
fetch htmx-ext-sse "$HTMX_EXT_SSE_VERSION" "$HTMX_EXT_SSE_LICENSE"
put "$PKG_DIR/dist/sse.js" htmx/ext/sse.js
put "$PKG_DIR/LICENSE" htmx/ext/LICENSE
record htmx-ext-sse "$HTMX_EXT_SSE_VERSION" "$HTMX_EXT_SSE_LICENSE" \
    "sse.js is the package's unminified dist/sse.js (small; dist/sse.min.js also exists)"

# --- Alpine.js -------------------------------------------------------------
fetch alpinejs "$ALPINEJS_VERSION" "$ALPINEJS_LICENSE"
put "$PKG_DIR/dist/cdn.min.js" alpinejs/alpine.min.js
check_minified alpinejs/alpine.min.js
ALPINEJS_NOTE=""
if [[ -f $PKG_DIR/LICENSE || -f $PKG_DIR/LICENSE.md ]]; then
    put "$(ls "$PKG_DIR"/LICENSE* | head -n 1)" alpinejs/LICENSE
else
    ALPINEJS_NOTE="the npm package has no licence file; LICENSE is the repository's LICENSE.md"
    # The alpinejs npm package ships no licence file; this is the repository's LICENSE.md.
    cat >"$OUT/alpinejs/LICENSE" <<'EOF'
MIT License

Copyright © 2019-2021 Caleb Porzio and contributors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
    FILES+=(alpinejs/LICENSE)
fi
record alpinejs "$ALPINEJS_VERSION" "$ALPINEJS_LICENSE" "$ALPINEJS_NOTE"

fetch @vue/reactivity "$VUE_REACTIVITY_VERSION" "$VUE_REACTIVITY_LICENSE"
put "$PKG_DIR/LICENSE" alpinejs/LICENSE.vue-reactivity
record @vue/reactivity "$VUE_REACTIVITY_VERSION" "$VUE_REACTIVITY_LICENSE" \
    "bundled inside alpine.min.js; vendored for its licence text only"

# --- Leaflet ---------------------------------------------------------------
fetch leaflet "$LEAFLET_VERSION" "$LEAFLET_LICENSE"
put "$PKG_DIR/dist/leaflet.js" leaflet/leaflet.js   # ends with a sourceMappingURL; the map is not vendored
put "$PKG_DIR/dist/leaflet.css" leaflet/leaflet.css
for img in "$PKG_DIR"/dist/images/*; do
    put "$img" "leaflet/images/$(basename "$img")"
done
put "$PKG_DIR/LICENSE" leaflet/LICENSE
check_minified leaflet/leaflet.js
record leaflet "$LEAFLET_VERSION" "$LEAFLET_LICENSE"

# --- ECharts ---------------------------------------------------------------
fetch echarts "$ECHARTS_VERSION" "$ECHARTS_LICENSE"
put "$PKG_DIR/dist/echarts.min.js" echarts/echarts.min.js
put "$PKG_DIR/LICENSE" echarts/LICENSE
put "$PKG_DIR/NOTICE" echarts/NOTICE        # Apache-2.0 s.4(d): NOTICE goes along
for lic in "$PKG_DIR"/licenses/*; do        # LICENSE refers to /licenses/LICENSE-d3
    put "$lic" "echarts/licenses/$(basename "$lic")"
done
check_minified echarts/echarts.min.js
size=$(wc -c <"$OUT/echarts/echarts.min.js")
((size < ECHARTS_MAX_BYTES)) || die "echarts.min.js is $size bytes, over the limit of $ECHARTS_MAX_BYTES (2 MiB)"
record echarts "$ECHARTS_VERSION" "$ECHARTS_LICENSE"

fetch zrender "$ZRENDER_VERSION" "$ZRENDER_LICENSE"
put "$PKG_DIR/LICENSE" echarts/licenses/LICENSE-zrender
record zrender "$ZRENDER_VERSION" "$ZRENDER_LICENSE" \
    "bundled inside echarts.min.js; vendored for its licence text only"

# --- Install ---------------------------------------------------------------
# Everything fetched and checked: replace the managed parts of the vendor tree.
mv "$VERSIONS" "$OUT/VERSIONS.txt"
mkdir -p "$DEST"
for d in htmx alpinejs leaflet echarts; do
    rm -rf "${DEST:?}/$d"
    cp -R "$OUT/$d" "$DEST/$d"
done
install -m 0644 "$OUT/VERSIONS.txt" "$DEST/VERSIONS.txt"

echo "vendored into ${DEST#"$ROOT"/}:" >&2
(cd "$DEST" && du -sh htmx alpinejs leaflet echarts) >&2
