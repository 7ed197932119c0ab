# bench/lib.sh: what the benchmark scripts share. Source it after cd-ing to
# the repository root, then call bench_setup NAME: it makes the work dir
# $work (/tmp/configd-NAME.XXXXXX), kills the processes listed in $pids and
# removes $work on exit (KEEP=1 keeps it), and sets $commit.

bench_setup() {
	work=$(mktemp -d "/tmp/configd-$1.XXXXXX")
	pids=()
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	commit=${COMMIT:-unknown}
	if [[ -z "${COMMIT:-}" ]] && rev=$(git rev-parse --short HEAD 2>/dev/null); then
		commit=$rev
		git diff --quiet HEAD -- . 2>/dev/null || commit+=", with uncommitted changes"
	fi
}

bench_cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ "${KEEP:-0}" == 1 ]]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
}

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID NAME: wait until PORT accepts connections, for at most
# 60s; exit with NAME's log ($work/NAME.log) if PID exits first.
wait_port() {
	local i
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$2" 2>/dev/null; then
			echo "$3 exited; its log:" >&2
			cat "$work/$3.log" >&2
			exit 1
		fi
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "$3 did not listen on port $1 within 60s" >&2
	exit 1
}

# machine_line prints the date, CPU and Go version of a run.
machine_line() {
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ); nproc: $(nproc); CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(go version | cut -d' ' -f3-)"
}
