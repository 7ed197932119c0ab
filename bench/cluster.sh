#!/usr/bin/env bash
# bench/cluster.sh [--quick]: configd on its stores and process counts, in
# one run, with the load of bench/run.sh:
#
#   sqlite  one process on the embedded SQLite store (--data-dir)
#   pg1     one process on PostgreSQL (--database-url)
#   pg2     two processes on one PostgreSQL database; the load generator
#           spreads its connections over both, as a TCP load balancer would
#
#  1. builds configd, bench/load and bench/pgserver;
#  2. starts a throwaway PostgreSQL server (bench/pgserver: initdb and
#     postgres of the machine, loopback only) with a schema per PostgreSQL
#     system, and the four configd processes (SigV4 verified against a
#     credentials file);
#  3. on each system: creates a recorder, preloads KEYS resources x VERSIONS
#     versions (unmeasured), then runs every op of bench/run.sh for DURATION
#     at CONC workers, interleaving the systems op by op;
#  4. prints the table (server CPU of the PostgreSQL systems includes the
#     database server's processes) and the throughput ratios.
#
# Everything runs on 127.0.0.1 and stops and cleans up by itself.
# --quick: shorter phases. Environment overrides: CONC, DURATION, WARMUP,
# KEYS, VERSIONS, PUT_MAX, KEEP=1 (keep the work dir), COMMIT (what to
# report as the commit when the tree is not a git checkout).
set -euo pipefail

cd "$(dirname "$0")/.."
quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "usage: bench/cluster.sh [--quick]" >&2; exit 2 ;;
esac

if ((quick)); then
	: "${DURATION:=3s}" "${WARMUP:=1s}" "${PUT_MAX:=30000}"
else
	: "${DURATION:=10s}" "${WARMUP:=2s}" "${PUT_MAX:=100000}"
fi
: "${CONC:=16}" "${KEYS:=2000}" "${VERSIONS:=3}"
ops=(put-new put-update get1 get10 get100 history list)
systems=(sqlite pg1 pg2)

source bench/lib.sh
bench_setup cluster-bench

echo "command: bench/cluster.sh $*  (commit $commit)"
machine_line
echo "load: concurrency $CONC, $DURATION per op after $WARMUP warm-up, $KEYS resources x $VERSIONS versions preloaded; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

log "building"
mkdir -p "$work/bin" "$work/res"
go build -o "$work/bin/configd" ./cmd/configd
go build -o "$work/bin/load" ./bench/load
go build -o "$work/bin/pgserver" ./bench/pgserver
load="$work/bin/load"

log "starting PostgreSQL"
"$work/bin/pgserver" -schemas 2 -out "$work/pg.env" >"$work/pgserver.log" 2>&1 &
pg_pid=$!
pids+=("$pg_pid")
for ((i = 0; i < 1200; i++)); do
	[[ -f "$work/pg.env" ]] && break
	if ! kill -0 "$pg_pid" 2>/dev/null; then
		echo "pgserver exited; its log:" >&2
		cat "$work/pgserver.log" >&2
		exit 1
	fi
	sleep 0.1
done
[[ -f "$work/pg.env" ]] || { echo "PostgreSQL did not start within 120s" >&2; exit 1; }
# shellcheck disable=SC1091
source "$work/pg.env"
echo "PostgreSQL $PG_VERSION, fsync=off (internal/pgtest's throwaway server)"

# configd verifies every signature against this key (load signs with it by default).
cat >"$work/credentials.yaml" <<'EOF'
credentials:
  - accessKeyId: AKIDCONFIGDBENCH0001
    secretAccessKey: configd-bench-secret-0123456789abcdefghij
    accountId: "123456789012"
EOF

# serve NAME [FLAGS...]: starts a configd process; sets port[NAME], pid[NAME].
declare -A port pid
serve() {
	local name=$1
	shift
	port[$name]=$(free_port)
	"$work/bin/configd" serve --addr "127.0.0.1:${port[$name]}" --data-dir "$work/$name" \
		--credentials "$work/credentials.yaml" --log-level warn "$@" >"$work/$name.log" 2>&1 &
	pid[$name]=$!
	pids+=("${pid[$name]}")
}
serve sqlite
serve pg1 --database-url "$PG_URL1"
serve pg2a --database-url "$PG_URL2"
serve pg2b --database-url "$PG_URL2"
for s in sqlite pg1 pg2a pg2b; do
	wait_port "${port[$s]}" "${pid[$s]}" "$s"
done

# What the load generator is given for each system: its URLs, the pids of
# its configd processes, and the database server whose CPU counts.
declare -A urls spids db
urls[sqlite]="http://127.0.0.1:${port[sqlite]}"
spids[sqlite]=${pid[sqlite]}
db[sqlite]=0
urls[pg1]="http://127.0.0.1:${port[pg1]}"
spids[pg1]=${pid[pg1]}
db[pg1]=$PG_PID
urls[pg2]="http://127.0.0.1:${port[pg2a]},http://127.0.0.1:${port[pg2b]}"
spids[pg2]="${pid[pg2a]},${pid[pg2b]}"
db[pg2]=$PG_PID

common=(-c "$CONC" -keys "$KEYS" -versions "$VERSIONS" -max-time 10m)
for s in "${systems[@]}"; do
	log "$s: setup and preload"
	"$load" run -url "${urls[$s]}" -name "$s" "${common[@]}" -phases none -preload \
		-server-pid "${spids[$s]}" -db-pid "${db[$s]}" -out "$work/res/0-$s.json" >/dev/null
done
i=1
for op in "${ops[@]}"; do
	log "$op"
	for s in "${systems[@]}"; do
		"$load" run -url "${urls[$s]}" -name "$s" "${common[@]}" -phases "$op" \
			-d "$DURATION" -warmup "$WARMUP" -n "$PUT_MAX" -setup=false -no-verify \
			-server-pid "${spids[$s]}" -db-pid "${db[$s]}" -out "$work/res/$i-$s.json" >/dev/null
	done
	i=$((i + 1))
done

echo
echo "## configd on SQLite, on PostgreSQL, and as two processes on PostgreSQL"
echo
"$load" compare -subject pg2 "$work"/res/*-sqlite.json "$work"/res/*-pg1.json "$work"/res/*-pg2.json
for s in "${systems[@]}"; do
	v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("verify",""))' "$work/res/0-$s.json")
	echo "- $s read-back check: $v"
done
echo
python3 - "$work/res" "${ops[@]}" <<'PY'
import glob, json, os, sys
res, ops = sys.argv[1], sys.argv[2:]
tp, cpu = {}, {}
for path in glob.glob(os.path.join(res, "*.json")):
    r = json.load(open(path))
    for ph in r.get("phases") or []:
        n = sum(o["count"] for o in ph["ops"])
        for o in ph["ops"]:
            tp[(r["system"], o["op"])] = o["throughput"]
            if n and ph.get("server_cpu_seconds", -1) >= 0:
                db = ph.get("database_cpu_seconds", 0)
                cpu[(r["system"], o["op"])] = ((ph["server_cpu_seconds"] - db) / n * 1e6, db / n * 1e6)
def ratio(a, b, op):
    x, y = tp.get((a, op)), tp.get((b, op))
    return f"{x / y:.2f}" if x and y else "n/a"
def split(s, op):
    c = cpu.get((s, op))
    return f"{c[0]:.0f} + {c[1]:.0f}" if c else "n/a"
print("| op | pg1/sqlite req/s | pg2/pg1 req/s | pg2/sqlite req/s |")
print("|---|---:|---:|---:|")
for op in ops:
    print(f"| {op} | {ratio('pg1', 'sqlite', op)} | {ratio('pg2', 'pg1', op)} | {ratio('pg2', 'sqlite', op)} |")
print()
print("Server CPU per request, configd + PostgreSQL (µs):")
print()
print("| op | sqlite | pg1 | pg2 |")
print("|---|---:|---:|---:|")
for op in ops:
    print(f"| {op} | {split('sqlite', op)} | {split('pg1', op)} | {split('pg2', op)} |")
PY
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
log "done"
