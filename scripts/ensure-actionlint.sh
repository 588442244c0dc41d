#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) into .tools/bin through the Go module proxy; does
# nothing when that version is there already. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
version="v1.7.12"
bin="$PWD/.tools/bin/actionlint"
export PATH="/usr/local/go/bin:${HOME}/go/bin:${PATH}"
if [ -x "$bin" ] && "$bin" -version 2>/dev/null | head -n 1 | grep -qx "${version}"; then
  echo "$bin"
  exit 0
fi
mkdir -p .tools/bin
GOBIN="$PWD/.tools/bin" GOFLAGS="${GOFLAGS:--buildvcs=false}" go install "github.com/rhysd/actionlint/cmd/actionlint@${version}" >&2
echo "$bin"
