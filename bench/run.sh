#!/usr/bin/env bash
# bench/run.sh [--quick]: configd's foundation benchmark, in one run.
#
#  1. builds configd, bench/noop, bench/load and bench/seed;
#  2. starts moto server, configd (fresh data dir, SigV4 verified against a
#     credentials file) and the no-op ceiling on free loopback ports; for
#     each read op also the no-op server answering configd's own reply to it
#     (noop-sized), a ceiling that moves as many bytes as configd's answers;
#  3. on each: creates a recorder, preloads KEYS resources x VERSIONS
#     versions (unmeasured), then runs every op for DURATION at CONC
#     workers, interleaving the systems op by op, and prints a table and
#     the ratios configd/moto and configd/noop against the targets;
#  4. seeds SEED_ITEMS configuration items into a second data dir, starts
#     configd on it and reports read latency and the server's peak RSS.
#
# Everything runs on 127.0.0.1 and stops and cleans up by itself.
# --quick: shorter phases and 100,000 seeded items instead of 1,000,000.
# Environment overrides: CONC, DURATION, WARMUP, KEYS, VERSIONS, PUT_MAX,
# SEED_ITEMS, LAT_CONC, LAT_DURATION, KEEP=1 (keep the work dir).
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
quick=0
case "${1:-}" in
--quick) quick=1 ;;
"") ;;
*) echo "usage: bench/run.sh [--quick]" >&2; exit 2 ;;
esac

if ((quick)); then
	: "${DURATION:=3s}" "${WARMUP:=1s}" "${PUT_MAX:=30000}" "${SEED_ITEMS:=100000}" "${LAT_DURATION:=3s}"
else
	: "${DURATION:=10s}" "${WARMUP:=2s}" "${PUT_MAX:=100000}" "${SEED_ITEMS:=1000000}" "${LAT_DURATION:=10s}"
fi
: "${CONC:=16}" "${KEYS:=2000}" "${VERSIONS:=3}" "${LAT_CONC:=4}"
seed_versions=4
ops=(put-new put-update get1 get10 get100 history list)
read_ops=get1,get10,get100,history,list

source bench/lib.sh
bench_setup bench

echo "command: bench/run.sh $*  (commit $commit)"
machine_line
echo "load: concurrency $CONC, $DURATION per op after $WARMUP warm-up, $KEYS resources x $VERSIONS versions preloaded; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

if ! python3 -c 'import moto.server, flask' 2>/dev/null; then
	echo "moto server is not installed: pip install 'moto[server]'" >&2
	exit 1
fi

log "building"
mkdir -p "$work/bin" "$work/res"
go build -o "$work/bin/configd" ./cmd/configd
go build -o "$work/bin/noop" ./bench/noop
go build -o "$work/bin/load" ./bench/load
go build -o "$work/bin/seed" ./bench/seed
load="$work/bin/load"

# configd verifies every signature against this key (load signs with it by default).
cat >"$work/credentials.yaml" <<'EOF'
credentials:
  - accessKeyId: AKIDCONFIGDBENCH0001
    secretAccessKey: configd-bench-secret-0123456789abcdefghij
    accountId: "123456789012"
EOF

declare -A port pid
port[moto]=$(free_port)
python3 -m moto.server -H 127.0.0.1 -p "${port[moto]}" >"$work/moto.log" 2>&1 &
pid[moto]=$!
pids+=("${pid[moto]}")
port[configd]=$(free_port)
"$work/bin/configd" serve --addr "127.0.0.1:${port[configd]}" --data-dir "$work/configd-fresh" \
	--credentials "$work/credentials.yaml" --log-level warn >"$work/configd.log" 2>&1 &
pid[configd]=$!
pids+=("${pid[configd]}")
port[noop]=$(free_port)
"$work/bin/noop" --addr "127.0.0.1:${port[noop]}" >"$work/noop.log" 2>&1 &
pid[noop]=$!
pids+=("${pid[noop]}")
systems=(moto configd noop)
for s in "${systems[@]}"; do
	wait_port "${port[$s]}" "${pid[$s]}" "$s"
done

common=(-c "$CONC" -keys "$KEYS" -versions "$VERSIONS" -max-time 10m)
mkdir -p "$work/replies"
for s in "${systems[@]}"; do
	log "$s: setup and preload"
	sample=()
	# configd's answer to one request of each read op, for noop-sized.
	[[ $s == configd ]] && sample=(-sample-dir "$work/replies")
	"$load" run -url "http://127.0.0.1:${port[$s]}" -name "$s" "${common[@]}" -phases none -preload \
		"${sample[@]}" -server-pid "${pid[$s]}" -out "$work/res/0-$s.json" >/dev/null
done

# run_op SYSTEM OP N: one measured phase of OP on SYSTEM, into result N.
run_op() {
	"$load" run -url "http://127.0.0.1:${port[$1]}" -name "$1" "${common[@]}" -phases "$2" \
		-d "$DURATION" -warmup "$WARMUP" -n "$PUT_MAX" -setup=false -no-verify \
		-server-pid "${pid[$1]}" -out "$work/res/$3-$1.json" >/dev/null
}

i=1
for op in "${ops[@]}"; do
	for s in "${systems[@]}"; do
		run_op "$s" "$op" "$i"
	done
	if [[ -f "$work/replies/$op.json" ]]; then
		# noop-sized: the no-op server answering configd's own reply to
		# this op (up to hundreds of kilobytes) instead of {}.
		port[noop-sized]=$(free_port)
		"$work/bin/noop" --addr "127.0.0.1:${port[noop-sized]}" --reply "$work/replies/$op.json" >"$work/noop-sized.log" 2>&1 &
		pid[noop-sized]=$!
		pids+=("${pid[noop-sized]}")
		wait_port "${port[noop-sized]}" "${pid[noop-sized]}" noop-sized
		run_op noop-sized "$op" "$i"
		kill "${pid[noop-sized]}"
		wait "${pid[noop-sized]}" 2>/dev/null || true
	fi
	i=$((i + 1))
done
echo
echo "## configd vs moto server vs no-op ceiling"
echo
echo "noop-sized: the no-op server answering, for each read op, configd's own reply to one request of it."
echo
"$load" compare -subject configd -peer moto -ceiling noop -sized-ceiling noop-sized \
	"$work"/res/*-moto.json "$work"/res/*-configd.json "$work"/res/*-noop.json "$work"/res/*-noop-sized.json
for s in "${systems[@]}"; do
	v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("verify",""))' "$work/res/0-$s.json")
	echo "- $s read-back check: $v"
done

for s in "${systems[@]}"; do
	kill "${pid[$s]}" 2>/dev/null || true
	wait "${pid[$s]}" 2>/dev/null || true
done
pids=()

echo
log "seeding $SEED_ITEMS configuration items"
seed_out=$("$work/bin/seed" -data-dir "$work/configd-big" -items "$SEED_ITEMS" -versions "$seed_versions")
port[big]=$(free_port)
"$work/bin/configd" serve --addr "127.0.0.1:${port[big]}" --data-dir "$work/configd-big" \
	--credentials "$work/credentials.yaml" --log-level warn >"$work/configd-big.log" 2>&1 &
pid[big]=$!
pids+=("${pid[big]}")
wait_port "${port[big]}" "${pid[big]}" configd-big
big="configd-$((SEED_ITEMS / 1000))k"
log "$big: reads at concurrency $LAT_CONC"
"$load" run -url "http://127.0.0.1:${port[big]}" -name "$big" -c "$LAT_CONC" -keys $((SEED_ITEMS / seed_versions)) \
	-versions "$seed_versions" -phases "$read_ops" -d "$LAT_DURATION" -warmup "$WARMUP" -max-time 10m \
	-server-pid "${pid[big]}" -out "$work/res/big.json" >/dev/null
echo "## configd with $SEED_ITEMS stored configuration items"
echo
echo "$seed_out"
echo "reads at concurrency $LAT_CONC, $LAT_DURATION per op; $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("verify",""))' "$work/res/big.json")"
echo
"$load" compare -subject "$big" -max-p99 10ms -max-rss-mb 300 "$work/res/big.json"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
log "done"
