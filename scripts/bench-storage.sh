#!/usr/bin/env bash
# Storage benchmarks (see docs/benchmarks-storage.md): the commit engine alone on a synced on-disk store per group
# size, and replay scaling in stores of 100,000 and 1,000,000 transactions. Builds the bench (Release), runs its
# `storage` command with the given arguments (default: all), prints the Markdown tables and keeps a copy in .state/bench-storage/last-run.md.
# The stores live under .state/bench-storage (git-ignored) and are deleted at the end unless --keep is given.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

dotnet build bench/Load/Load.csproj -c Release -nologo -v quiet
mkdir -p .state/bench-storage
[[ $# -gt 0 ]] || set -- all
dotnet bench/Load/bin/Release/net10.0/Statehouse.Bench.dll storage "$@" | tee .state/bench-storage/last-run.md
