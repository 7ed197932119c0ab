#!/usr/bin/env bash
# bench/profile.sh [OP...]: where configd's time goes, op by op.
#
# Starts configd in-process with Go's profiler (bench/profile: the same
# wiring as `configd serve`, SigV4 verified), preloads the benchmark corpus,
# then for each op (default: put-new put-update get1 get10 get100 history
# list) runs the load generator and takes a CPU profile of the server while
# it runs, printing the functions with the most cumulative time in configd's
# own packages and the top of the flat profile. Loopback only; cleans up.
# Environment: CONC (16), SECONDS_PER_OP (8), KEYS (2000), VERSIONS (3),
# DATA_DIR (profile a seeded data dir instead of a fresh one; needs KEYS set
# to its resource count), KEEP=1 (keep the profiles).
set -euo pipefail

cd "$(dirname "$0")/.."
: "${CONC:=16}" "${SECONDS_PER_OP:=8}" "${KEYS:=2000}" "${VERSIONS:=3}"
ops=("$@")
((${#ops[@]})) || ops=(put-new put-update get1 get10 get100 history list)

source bench/lib.sh
bench_setup profile

mkdir -p "$work/bin"
go build -o "$work/bin/profile" ./bench/profile
go build -o "$work/bin/load" ./bench/load
cat >"$work/credentials.yaml" <<'EOF'
credentials:
  - accessKeyId: AKIDCONFIGDBENCH0001
    secretAccessKey: configd-bench-secret-0123456789abcdefghij
    accountId: "123456789012"
EOF
api=$(free_port)
pp=$(free_port)
data=${DATA_DIR:-$work/data}
"$work/bin/profile" -addr "127.0.0.1:$api" -pprof "127.0.0.1:$pp" -data-dir "$data" \
	-credentials "$work/credentials.yaml" >"$work/profile.log" 2>&1 &
server=$!
pids+=("$server")
for ((i = 0; i < 300; i++)); do
	(exec 3<>"/dev/tcp/127.0.0.1/$api") 2>/dev/null && break
	kill -0 "$server" 2>/dev/null || { cat "$work/profile.log" >&2; exit 1; }
	sleep 0.1
done

preload=(-preload)
[[ -n "${DATA_DIR:-}" ]] && preload=()
"$work/bin/load" run -url "http://127.0.0.1:$api" -name configd -c "$CONC" -keys "$KEYS" -versions "$VERSIONS" \
	-phases none "${preload[@]}" >/dev/null
echo "command: bench/profile.sh $*; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for op in "${ops[@]}"; do
	"$work/bin/load" run -url "http://127.0.0.1:$api" -name configd -c "$CONC" -keys "$KEYS" -versions "$VERSIONS" \
		-phases "$op" -d $((SECONDS_PER_OP + 4))s -warmup 1s -n 60000 -setup=false -no-verify \
		-server-pid "$server" >"$work/$op.txt" 2>&1 &
	lp=$!
	pids+=("$lp")
	# Profile the measured interval: signing ahead and warm-up take about 2s.
	sleep 3
	go tool pprof -proto "http://127.0.0.1:$pp/debug/pprof/profile?seconds=$SECONDS_PER_OP" >"$work/$op.pprof" 2>/dev/null
	wait "$lp" || true
	echo
	echo "=== $op: $(grep -E "^\s+$op " "$work/$op.txt" | awk '{print $4 " req/s, p50 " $5 " ms, p99 " $7 " ms, server " $10 " µs CPU/req"}')"
	echo "--- cumulative, configd packages"
	go tool pprof -top -cum -nodecount=400 "$work/$op.pprof" 2>/dev/null |
		grep -E 'configd/configd/(awsjson|service|sqlite|sigv4|api|pagetoken)|encoding/json\.(Unmarshal|Marshal|\(\*Encoder\)\.Encode|Compact|Valid)$|database/sql\.\(\*Stmt\)\.(Query|Exec)Context$|modernc.org/sqlite\.\(\*conn\)\.(step|commit)|runtime\.gcBgMarkWorker$|\(\*Tx\)\.Commit$' |
		head -25
	echo "--- flat"
	go tool pprof -top -nodecount=12 "$work/$op.pprof" 2>/dev/null | tail -n +7
done
