#!/bin/bash
# vpmemctl metrics on this host (no pmem needed), checked by the real
# promtool (Debian package prometheus): every family of the command with
# hostile label values, the command's own output, --output's atomic
# replacement and its errors. A deliberately broken metric name must make
# promtool complain, so the check is shown to be able to fail.
# Every family is documented in vpmemctl-metrics(1), whose example alerts
# pass promtool check rules.
# usage: test-metrics-promtool.sh TEST_METRICS VPMEMCTL MAN_PAGE
set -u
test_metrics=$1
vpmemctl=$2
manpage=$3
fails=0
promtool=$(command -v promtool) || {
	echo "SKIP: promtool not installed (Debian package prometheus; scripts/test installs it)"
	exit 77
}

fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
# lint NAME FILE: promtool check metrics prints nothing and exits 0.
lint() {
	local out rc
	out=$("$promtool" check metrics < "$2" 2>&1)
	rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] || fail "$1: promtool exited $rc: $out"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$test_metrics" all > "$tmp/all.prom" || fail "test-metrics all exited $?"
lint every-family "$tmp/all.prom"
n=$(grep -c '^# TYPE vpmem_' "$tmp/all.prom")
[ "$n" -ge 25 ] || fail "every-family: only $n families"
# The escaped mount point survives the parser: \\ \" \n and \xff as text.
grep -qF 'mountpoint="/mnt/a \"b\"\\c\nd\\xff"' "$tmp/all.prom" || fail "escaped label: $(grep -m1 mountpoint "$tmp/all.prom")"

# Documented: each family in the man page; its alerts are valid rules.
for m in $(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$tmp/all.prom"); do
	grep -q "^\*$m\*" "$manpage" || fail "$m is not documented in $manpage"
done
awk '/^== ALERTS/ { a = 1; next } /^== / { a = 0 } a && /^----$/ { b = !b; next } a && b' "$manpage" > "$tmp/rules.yml"
out=$("$promtool" check rules "$tmp/rules.yml" 2>&1)
rc=$?
case "$out" in *"SUCCESS: "[1-9]*" rules found"*) [ $rc -eq 0 ] || fail "rules: exit $rc" ;; *) fail "man page alerts: promtool check rules exited $rc: $out" ;; esac

# The service: a start timeout (a oneshot has none by default) and no
# option that gives it a private mount namespace (the mounts it reports
# must be the system's).
unit=$(dirname "$manpage")/../systemd/vpmem-metrics.service.in
grep -Eq '^TimeoutStartSec=[1-9][0-9]*s$' "$unit" || fail "$unit: no TimeoutStartSec="
grep -Eq '^(ProtectSystem|ProtectHome|ReadWritePaths|ReadOnlyPaths|PrivateTmp|PrivateDevices|PrivateMounts|ProtectKernelTunables|ProtectKernelModules|ProtectControlGroups|TemporaryFileSystem|BindPaths|PrivateNetwork)=' "$unit" &&
	fail "$unit: an option that unshares mounts"
# Negative controls: promtool does complain about what we must not write.
sed 's/^\(# [A-Z]* \)\{0,1\}vpmem_flush_errors_total/\1vpmem_flush_errors/' "$tmp/all.prom" > "$tmp/bad.prom"
out=$("$promtool" check metrics < "$tmp/bad.prom" 2>&1)
case "$out" in *vpmem_flush_errors*'"_total" suffix'*) ;; *) fail "control-no-total: promtool said: $out" ;; esac
printf 'vpmem_x{a="\xff"} 1\n' > "$tmp/bad2.prom"
"$promtool" check metrics < "$tmp/bad2.prom" > /dev/null 2>&1 && fail "control-utf8: promtool accepted invalid UTF-8"

# The command itself, on this machine.
"$vpmemctl" metrics > "$tmp/host.prom" 2> "$tmp/host.err"
rc=$?
[ $rc -eq 0 ] || fail "metrics exited $rc: $(cat "$tmp/host.err")"
lint host "$tmp/host.prom"
for m in vpmem_metrics_timestamp_seconds vpmem_build_info vpmem_discovery_success vpmem_driver_facts_success; do
	grep -q "^# TYPE $m gauge$" "$tmp/host.prom" || fail "host: no $m"
done
grep -qx 'vpmem_discovery_success 1' "$tmp/host.prom" || fail "host: discovery failed: $(cat "$tmp/host.err")"
ts=$(sed -n 's/^vpmem_metrics_timestamp_seconds //p' "$tmp/host.prom")
now=$(date +%s)
[ "${ts%.*}" -ge $((now - 60)) ] && [ "${ts%.*}" -le "$now" ] || fail "timestamp $ts, now $now"

# --output DIR: the same metrics, replaced atomically, nothing else left.
mkdir "$tmp/out"
echo old > "$tmp/out/vpmem.prom"
"$vpmemctl" metrics --output "$tmp/out" > "$tmp/o.out" 2>&1 || fail "--output exited $?: $(cat "$tmp/o.out")"
[ -s "$tmp/o.out" ] && fail "--output printed: $(cat "$tmp/o.out")"
lint output "$tmp/out/vpmem.prom"
[ "$(ls -A "$tmp/out")" = vpmem.prom ] || fail "--output left: $(ls -A "$tmp/out")"
[ "$(stat -c %a "$tmp/out/vpmem.prom")" = 644 ] || fail "--output mode $(stat -c %a "$tmp/out/vpmem.prom")"
diff <(grep -v '^vpmem_metrics_timestamp_seconds ' "$tmp/host.prom") \
	<(grep -v '^vpmem_metrics_timestamp_seconds ' "$tmp/out/vpmem.prom") > /dev/null ||
	fail "--output differs from stdout"

# Errors: status 1 (2 for usage), a message naming the directory, nothing written.
"$vpmemctl" metrics --output "$tmp/missing" > /dev/null 2> "$tmp/e.err"
rc=$?
[ $rc -eq 1 ] || fail "missing dir: exit $rc"
grep -q "cannot open the output directory '$tmp/missing': No such file or directory" "$tmp/e.err" || fail "missing dir said: $(cat "$tmp/e.err")"
[ -e "$tmp/missing" ] && fail "missing dir was created"
"$vpmemctl" metrics --output "$tmp/out/vpmem.prom" > /dev/null 2>&1
[ $? -eq 1 ] || fail "a file as DIR: not status 1"
mkdir "$tmp/out/vpmem.prom.d" "$tmp/dirtarget" "$tmp/dirtarget/vpmem.prom"
"$vpmemctl" metrics --output "$tmp/dirtarget" > /dev/null 2> "$tmp/e.err"
[ $? -eq 1 ] || fail "a directory named vpmem.prom replaced"
[ -d "$tmp/dirtarget/vpmem.prom" ] || fail "a directory named vpmem.prom was removed"
"$vpmemctl" metrics --bogus > /dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: not status 2"
"$vpmemctl" metrics extra > /dev/null 2>&1
[ $? -eq 2 ] || fail "extra argument: not status 2"
"$vpmemctl" metrics --output > /dev/null 2>&1
[ $? -eq 2 ] || fail "--output without DIR: not status 2"
# Unwritable by this user: permission (status 4), old file intact, no temp file.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	chmod 755 "$tmp"
	chmod 555 "$tmp/out"
	before=$(sha256sum < "$tmp/out/vpmem.prom")
	setpriv --reuid=65534 --regid=65534 --clear-groups "$vpmemctl" metrics --output "$tmp/out" > /dev/null 2> "$tmp/e.err"
	rc=$?
	[ $rc -eq 4 ] || fail "unwritable dir: exit $rc: $(cat "$tmp/e.err")"
	grep -q "cannot create a temporary file in '$tmp/out': Permission denied" "$tmp/e.err" || fail "unwritable said: $(cat "$tmp/e.err")"
	[ "$(sha256sum < "$tmp/out/vpmem.prom")" = "$before" ] || fail "unwritable dir: old file changed"
	[ "$(ls -A "$tmp/out")" = "vpmem.prom
vpmem.prom.d" ] || fail "unwritable dir: left $(ls -A "$tmp/out")"
	chmod 755 "$tmp/out"
fi

[ $fails -eq 0 ] && echo "test-metrics-promtool: all passed ($n families linted)"
exit $((fails > 0))
