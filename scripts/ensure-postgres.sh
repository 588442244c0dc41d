#!/usr/bin/env bash
# Makes sure the local PostgreSQL that the tests use answers on 127.0.0.1:5432, starting the Debian cluster
# when it is installed but stopped. Tests pointed elsewhere with TEST_DATABASE_URL skip this.
set -euo pipefail
[ -n "${TEST_DATABASE_URL:-}" ] && exit 0
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  echo "starting the local PostgreSQL cluster..." >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && exit 0; sleep 1; done
fi
echo "PostgreSQL does not answer on 127.0.0.1:5432. Install and start it (Debian: apt-get install postgresql)," >&2
echo "or set TEST_DATABASE_URL to a server where the tests may create databases." >&2
exit 1
