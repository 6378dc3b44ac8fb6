#!/usr/bin/env bash
# Prints the path of a Python 3.13 interpreter, building one if the machine has none.
# Lambda runs python3.13; tests, the local cloud and `sam build` must run the same minor version.
# Order: $VERIFLOW_PYTHON, python3.13 on PATH, a pyenv-installed 3.13, the cached build,
# and finally a build from Debian's python3.13 source package into the cache (about 6 minutes).
set -euo pipefail

cache="${VERIFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/veriflow}"
prefix="$cache/python3.13"

works() {
  [ -n "${1:-}" ] && "$1" -c 'import sys, ssl, sqlite3, lzma, bz2, ctypes, decimal, venv; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null
}

resolve() {
  "$1" -c 'import sys; print(sys.executable)'
}

if [ -n "${VERIFLOW_PYTHON:-}" ]; then
  works "$VERIFLOW_PYTHON" || { echo "VERIFLOW_PYTHON=$VERIFLOW_PYTHON is not a working Python 3.13" >&2; exit 1; }
  resolve "$VERIFLOW_PYTHON"; exit 0
fi
if command -v python3.13 >/dev/null 2>&1 && works python3.13; then
  resolve python3.13; exit 0
fi
for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3.13 2>/dev/null | sort -rV); do
  if works "$candidate"; then echo "$candidate"; exit 0; fi
done
if works "$prefix/bin/python3.13"; then
  echo "$prefix/bin/python3.13"; exit 0
fi

echo "No Python 3.13 found: building it once from Debian's source package into $prefix" >&2
apt_dir="$cache/apt"
mkdir -p "$apt_dir/sources.d" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
# A private apt configuration: only trixie's source index, nothing added to the machine's sources.
cat > "$apt_dir/sources.d/trixie-src.sources" <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt_dir/sources.d"
          -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o APT::Sandbox::User=root)

need=()
for pkg in build-essential libssl-dev zlib1g-dev libbz2-dev libreadline-dev libsqlite3-dev \
           libffi-dev liblzma-dev libgdbm-dev uuid-dev libncurses-dev xz-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing build dependencies: ${need[*]}" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$work" && apt-get "${apt_opts[@]}" source --download-only python3.13 >&2)
tarball=$(ls "$work"/python3.13_*.orig.tar.* | head -n 1)
tar -xf "$tarball" -C "$work"
src=$(find "$work" -maxdepth 1 -type d -name 'Python-3.13*' | head -n 1)
(
  cd "$src"
  ./configure --prefix="$prefix" --with-ensurepip=install >/dev/null
  make -j"$(nproc)" >/dev/null 2>&1
  make install >/dev/null 2>&1
) >&2
works "$prefix/bin/python3.13" || { echo "the Python 3.13 build in $prefix is incomplete" >&2; exit 1; }
echo "$prefix/bin/python3.13"
