#!/usr/bin/env bash
# Puts Swagger UI's two files into DEST (default .build/debug/swagger-ui), where the gateway
# looks for them beside its executable. They come from a registry package, the
# `fastapi-offline` wheel on PyPI (it bundles Swagger UI 5, which reads OpenAPI 3.1), checked
# against a pinned SHA-256, and are never committed. Without them `/docs` uses a pinned CDN copy.
#
#   ops/local/swagger-ui.sh [DEST...]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
version=1.7.7
sha256=60c8399fd7d3e3b01510e14468709e3dea1a0e773ef920372d057392d736a1f9
cache="$root/.data/packages"
wheel="$cache/fastapi_offline-$version-py3-none-any.whl"
[ $# -gt 0 ] || set -- "$root/.build/debug/swagger-ui"

need=0
for dest in "$@"; do
    [ -s "$dest/swagger-ui-bundle.js" ] && [ -s "$dest/swagger-ui.css" ] || need=1
done
[ "$need" = 1 ] || exit 0

if ! echo "$sha256  $wheel" | sha256sum -c --status 2>/dev/null; then
    mkdir -p "$cache"
    if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps "fastapi-offline==$version" -d "$cache" >/dev/null 2>&1; then
        echo "swagger-ui: could not download fastapi-offline $version from PyPI; /docs will use the CDN" >&2
        exit 0
    fi
    echo "$sha256  $wheel" | sha256sum -c --status || { echo "swagger-ui: $wheel does not match its pinned SHA-256" >&2; rm -f "$wheel"; exit 1; }
fi
for dest in "$@"; do
    mkdir -p "$dest"
    python3 - "$wheel" "$dest" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        with open(f"{dest}/{name}", "wb") as out:
            out.write(archive.read(f"fastapi_offline/static/{name}"))
PY
done
echo "swagger-ui: installed into $*"
