# Sourced by the benchmarks that race rbc against Miller and DuckDB, after they define
# root, CACHE and the functions uses (is this tool in TOOLS?) and log: installs what is
# missing (Miller, npm and GNU time from Debian through scripts/install-deps --bench;
# DuckDB's npm package @duckdb/node-api into $CACHE/duckdb, a peer for the benchmark,
# never a dependency of rbc) and sets duckdb_dir.
if ! command -v mlr > /dev/null || ! command -v npm > /dev/null || [[ ! -x /usr/bin/time ]]; then
  "$root/scripts/install-deps" --bench
fi
duckdb_dir=$CACHE/duckdb
if uses duckdb && [[ ! -d $duckdb_dir/node_modules/@duckdb/node-api ]]; then
  log "installing @duckdb/node-api into $duckdb_dir"
  mkdir -p "$duckdb_dir"
  (cd "$duckdb_dir" && npm install --silent --no-audit --no-fund @duckdb/node-api)
fi
