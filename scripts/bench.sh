#!/usr/bin/env bash
# Builds the release binary and runs the benchmark against a server it starts itself
# (embedded SQLite by default; DATABASE_URL selects PostgreSQL). Arguments go to `iotflow bench`:
#   scripts/bench.sh                          # all scenarios, 16 connections, 2 s warm-up + 10 s each
#   scripts/bench.sh --duration 3 --json      # shorter, one JSON document on stdout
#   scripts/bench.sh json                     # in-process JSON and ISO 8601 micro-benchmarks, no server
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product iotflow
exec .build/release/iotflow bench "$@"
