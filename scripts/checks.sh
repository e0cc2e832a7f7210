# shellcheck shell=bash
# The numbered check lines of scripts/test-packages and scripts/test-systemd: one
# "ok N - what" per passed check, "FAIL - what" and exit 1 on the first failure.
checks=0
pass() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL - $*" >&2; exit 1; }
# check WHAT COMMAND...: runs COMMAND; passes or fails with WHAT.
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
