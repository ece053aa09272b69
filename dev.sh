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

setup() {
  system_packages
  local py
  if ! py=$(find_python); then
    log "Cần Python 3.11 (python3.11). Hãy cài đặt rồi chạy lại."; exit 1
  fi
  [ -x "$VENV/bin/python" ] || { log "Tạo môi trường ảo .venv"; "$py" -m venv "$VENV"; }
  local stamp="$VENV/.hocbaso-installed" digest
  digest=$(cat pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    log "Cài các gói Python (lần đầu mất khoảng một phút)"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e ".[dev]"
    echo "$digest" > "$stamp"
  fi
}

cmd=${1:-help}; shift || true
case "$cmd" in
  start)
    setup
    exec "$VENV/bin/hocbaso" serve "$@" ;;
  test)
    setup
    exec "$VENV/bin/python" -m pytest "$@" ;;
  setup)
    setup ;;
  *)
    echo "Cách dùng: ./dev.sh start | ./dev.sh test [đối số pytest] | ./dev.sh setup"; exit 2 ;;
esac
