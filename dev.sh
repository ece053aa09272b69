#!/usr/bin/env bash
# hocbaso developer entry point. The README's two commands:
#   ./dev.sh start   set everything up, load the demo school, serve http://127.0.0.1:8000
#   ./dev.sh test    set everything up and run the whole test suite
# Set-up is idempotent: a Python 3.11 virtual environment in .venv, the package and its
# dependencies, and the Debian packages listed in scripts/system-packages.txt (when root).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
VENV="$ROOT/.venv"

log() { printf '\033[1;34m[hocbaso]\033[0m %s\n' "$*" >&2; }

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

system_packages() {
  local wanted=() pkg
  [ -f scripts/system-packages.txt ] || return 0
  while read -r pkg; do
    pkg=${pkg%%#*}; pkg=$(echo "$pkg" | xargs)
    [ -n "$pkg" ] || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || wanted+=("$pkg")
  done < scripts/system-packages.txt
  [ ${#wanted[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    log "Thiếu gói hệ thống: ${wanted[*]} (cần quyền root để cài)."; return 0
  fi
  local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  log "Cài gói hệ thống: ${wanted[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
}

# setup [dev]: the runtime dependencies (what `start` needs), or with "dev" the test tools as well (pytest,
# Playwright, moto, …: what `test` needs). The packages are installed by uv (`uv pip install`): on this 2-core
# machine it installs the runtime set in 2.5 s of CPU with a warm cache (4.7 s cold), where pip took 23 s of CPU
# (resolution, then unpacking 75 wheels one by one; measured 2026-12-07, docs/dashboards.md). uv is the one on
# the PATH, or else installed into .venv by the interpreter's own pip (`pip --python`, 1.7 s of CPU), so the
# virtual environment is made without pip (ensurepip: 3.9 s of CPU). When there is no uv (no pip for python3.11,
# no network to fetch uv) or it fails, pip in the virtual environment does it as before, with --no-compile
# (byte-compiling is left to the modules actually imported: boto3's alone are thousands of files).
UV=""
find_uv() {
  local py=$1
  UV=$(command -v uv 2>/dev/null || true)
  [ -n "$UV" ] && return 0
  if [ ! -x "$VENV/bin/uv" ]; then
    "$py" -m pip --python "$VENV/bin/python" install -q --no-compile --disable-pip-version-check uv \
      >/dev/null 2>&1 || true
  fi
  [ -x "$VENV/bin/uv" ] && UV="$VENV/bin/uv"
  [ -n "$UV" ]
}

setup() {
  local dev=${1:-}
  system_packages
  local py
  if ! py=$(find_python); then
    log "Cần Python 3.11 (python3.11). Hãy cài đặt rồi chạy lại."; exit 1
  fi
  [ -x "$VENV/bin/python" ] || { log "Tạo môi trường ảo .venv"; "$py" -m venv --without-pip "$VENV"; }
  local digest target extras=""
  digest=$(sha256sum < pyproject.toml | cut -d' ' -f1)
  target="$VENV/.hocbaso-installed"
  [ -n "$dev" ] && { target="$VENV/.hocbaso-installed-dev"; extras="[dev]"; }
  # The runtime is there when either stamp matches (the test tools include it).
  if [ "$(cat "$target" 2>/dev/null)" != "$digest" ] && \
     { [ -n "$dev" ] || [ "$(cat "$VENV/.hocbaso-installed-dev" 2>/dev/null)" != "$digest" ]; }; then
    log "Cài các gói Python${dev:+ (kèm công cụ kiểm thử)}"
    # uv reads its own settings (UV_INDEX_URL, uv.toml), not pip's: if it fails (a mirror only pip knows), pip.
    if find_uv "$py" && "$UV" pip install -q --python "$VENV/bin/python" -e ".$extras"; then
      :
    else
      [ -n "$UV" ] && log "uv không cài được các gói; thử lại bằng pip"
      "$VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$VENV/bin/python" -m ensurepip >/dev/null
      "$VENV/bin/python" -m pip install -q --no-compile --disable-pip-version-check -e ".$extras"
    fi
    echo "$digest" > "$target"
  fi
}

cmd=${1:-help}; shift || true
case "$cmd" in
  start)
    setup
    exec "$VENV/bin/hocbaso" serve "$@" ;;
  test)
    setup dev
    exec "$VENV/bin/python" -m pytest "$@" ;;
  setup)
    setup dev ;;
  *)
    echo "Cách dùng: ./dev.sh start | ./dev.sh test [đối số pytest] | ./dev.sh setup"; exit 2 ;;
esac
