#!/bin/sh
# Hostile target names (issue 13.6): vpmemctl and libpmemflush build sysfs
# paths only from devices they enumerated, never by joining a name the user
# typed. Every file call of vpmemctl (and of the libraries it loads) is
# logged by an LD_PRELOAD shim (pathlog-shim.c); no path under /sys may
# contain the marker "EVIL" of a hostile name, except the name itself where
# the user gave a path (a path target is the user's own file, opened as
# that user). Also: each is refused with its documented status and one
# line, and a target on sysfs or proc is refused (nothing to flush there).
# usage: test-hostile-names.sh VPMEMCTL SHIM
vpmemctl=$1
shim=$2
log=$(mktemp)
trap 'rm -f "$log" "$log.err"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

long=EVIL$(printf '%05000d' 0)
nl=$(printf 'EVIL\nregion0')

# run WANT_RC ARGS...: vpmemctl ARGS under the shim; then the log is checked.
run() {
	want=$1
	shift
	: > "$log"
	PATHLOG_FILE=$log LD_PRELOAD=$shim "$vpmemctl" "$@" > /dev/null 2> "$log.err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'vpmemctl $*' exited $rc, expected $want: $(head -c 300 "$log.err")"
	[ "$(wc -l < "$log.err")" -le 1 ] || fail "'vpmemctl $*': more than one line on stderr"
	# The name itself may be opened (a path target); nothing built from it.
	bad=$(grep '^/sys.*EVIL' "$log" | grep -v -x -F -e "$(printf '%s' "$last" | sed 's/\n/\\n/')")
	[ -z "$bad" ] || fail "'vpmemctl $*' built a sysfs path from the name: $(echo "$bad" | head -3)"
}

# The shim sees the calls: a control that must be logged.
: > "$log"
PATHLOG_FILE=$log LD_PRELOAD=$shim "$vpmemctl" driver bind vpmem EVILcontrol > /dev/null 2>&1
grep -q '^/sys/bus/virtio/devices$' "$log" ||
	fail "shim control: the enumeration of /sys/bus/virtio/devices was not logged"
PATHLOG_FILE=$log LD_PRELOAD=$shim cat /sys/EVILcontrol > /dev/null 2>&1
grep -q '^/sys/EVILcontrol$' "$log" || fail "shim control: a path under /sys was not logged"

for name in "../../../../sys/bus/nd/devices/EVIL" "pmem0/../../EVIL" "region0/../EVIL" \
	"namespace0.0/../../EVIL" "/sys/bus/nd/devices/EVIL/vpmem/flush" "EVIL/x" "$long" \
	"EVIL%s%n%x" "$nl" "regionEVIL" "ndbusEVIL" "namespaceEVIL.0" "EVIL.." "..EVIL"; do
	last=$name
	run 1 flush "$name"
	run 1 flush --json "$name"
	run 1 check "$name"
	run 0 list -r "$name"
	run 0 list -b "$name"
	run 0 list -n "$name"
	run 1 driver bind vpmem "$name"
	run 1 driver bind virtio_pmem "$name"
	run 2 driver load "$name"
done
last=
# Names that are legitimate words: matched against what exists, never joined.
for name in pmem0 region1 virtio0 ndbus0 namespace0.0 .. . /; do
	run 1 driver bind vpmem "$name"
done

# Targets on file systems that hold no data: refused (1), not "ok" or
# "durable: yes".
# /proc/self/ns/mnt is a regular file of nsfs, not of proc (was "durable: yes").
for t in /proc/self/status /sys/kernel/mm ../../../../../../../../proc/self /proc/self/ns/mnt; do
	[ -e "$t" ] || continue
	"$vpmemctl" flush "$t" > /dev/null 2> "$log.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "flush $t exited $rc, expected 1"
	grep -q 'which holds no data: nothing to flush' "$log.err" ||
		fail "flush $t: $(cat "$log.err")"
	"$vpmemctl" check "$t" > /dev/null 2> "$log.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "check $t exited $rc, expected 1"
	grep -q 'which holds no data: nothing there can be made durable' "$log.err" ||
		fail "check $t: $(cat "$log.err")"
done

# A character device that is not device dax: no region, no file system;
# check said "msync, durable: yes" for /dev/null.
for t in /dev/null /dev/zero /dev/tty; do
	[ -c "$t" ] || continue
	"$vpmemctl" check "$t" > /dev/null 2> "$log.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "check $t exited $rc, expected 1"
	grep -q 'is a character device that is not device dax' "$log.err" ||
		fail "check $t: $(cat "$log.err")"
	"$vpmemctl" flush "$t" > /dev/null 2> "$log.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "flush $t exited $rc, expected 1"
done

# Option values and arguments of every command are quoted on one line
# (control characters escaped): a newline cannot forge a second message.
# (metrics and list --output may say more before they fail, on a host with
# regions: only the forged line is looked for.) WANT_RC ARGS...
one_line() {
	want=$1
	shift
	"$vpmemctl" "$@" > /dev/null 2> "$log.err"
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'vpmemctl $*' exited $rc, expected $want"
	grep -q 'EVIL\\nregion0' "$log.err" && ! grep -q '^region0' "$log.err" ||
		fail "'vpmemctl $*': not one escaped line: $(head -c 300 "$log.err")"
}
# A backslash is doubled: an escaped newline differs from a typed one.
"$vpmemctl" list --format='EVIL\nregion0' > /dev/null 2> "$log.err"
grep -q "'EVIL\\\\\\\\nregion0'" "$log.err" ||
	fail "a typed backslash is not doubled: $(cat "$log.err")"
one_line 2 list --format="$nl"
one_line 2 list --expiry="$nl"
one_line 2 list --mode="$nl"
one_line 2 list "$nl"
one_line 2 list "--$nl"
one_line 1 list --format=nfd --output="/nonexistent/$nl"
for opt in count timeout interval latency stall recheck source; do
	one_line 2 monitor --$opt="$nl"
done
one_line 2 monitor "$nl"
one_line 2 metrics --mounts="$nl"
one_line 2 metrics "$nl"
one_line 1 metrics --output="/nonexistent/$nl"
one_line 2 help "$nl"
one_line 2 version "$nl"
one_line 2 --log="$nl" list
one_line 2 "--$nl"
one_line 2 driver --json "$nl"

[ $fails -eq 0 ] && echo "ok"
exit $((fails > 0))
