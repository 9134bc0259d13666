#!/bin/sh
# vpmemctl's command table, global options and exit statuses.
# usage: test-cli.sh VPMEMCTL VERSION
vpmemctl=$1
version=$2
fails=0

expect() { # expect NAME WANT_RC CMD...
	name=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: '$*' exited $rc, expected $want: $out"
		fails=$((fails + 1))
	fi
	last_out=$out
}

expect help 0 "$vpmemctl" --help
echo "$last_out" | grep -q '^  version ' || { echo "FAIL help lists version"; fails=$((fails + 1)); }
expect help-cmd 0 "$vpmemctl" help
expect version 0 "$vpmemctl" version
[ "$last_out" = "vpmemctl $version (libpmemflush $version)" ] ||
	{ echo "FAIL version text: $last_out"; fails=$((fails + 1)); }
expect version-opt 0 "$vpmemctl" --version
expect no-command 2 "$vpmemctl"
expect unknown-command 2 "$vpmemctl" frobnicate
echo "$last_out" | grep -q "unknown command 'frobnicate'" ||
	{ echo "FAIL unknown command message: $last_out"; fails=$((fails + 1)); }
expect unknown-option 2 "$vpmemctl" --bogus
expect bad-log-level 2 "$vpmemctl" --log loud version
expect log-level 0 "$vpmemctl" --log debug version
expect version-extra-arg 2 "$vpmemctl" version extra

# list / check: argument errors and answers that need no pmem.
has() { # has NAME PATTERN: the last output matches PATTERN (grep -E)
	echo "$last_out" | grep -Eq "$2" || { echo "FAIL $1: no '$2' in: $last_out"; fails=$((fails + 1)); }
}
expect help-lists-list 0 "$vpmemctl" --help
has help-lists-list '^  list '
has help-lists-check '^  check '
expect list-bad-option 2 "$vpmemctl" list --bogus
expect list-extra-arg 2 "$vpmemctl" list extra
expect list-region-needs-arg 2 "$vpmemctl" list -r
expect list-help 0 "$vpmemctl" list --help
expect list-runs 0 "$vpmemctl" list
expect list-json 0 "$vpmemctl" list --json
has list-json-array '^\['
expect list-filter-nothing 0 "$vpmemctl" list --json -r region999
[ "$last_out" = "[]" ] || { echo "FAIL empty list is not []: $last_out"; fails=$((fails + 1)); }
expect list-buffered-human 0 "$vpmemctl" list --json --buffered -u

expect check-no-path 2 "$vpmemctl" check
expect check-bad-option 2 "$vpmemctl" check --bogus /
tmp=$(mktemp "${TMPDIR:-/tmp}/vpmemctl-test.XXXXXX")
echo data > "$tmp"
missing=$tmp.missing
expect check-missing 1 "$vpmemctl" check "$missing"
has check-missing-msg "cannot stat '.*missing': No such file or directory"
expect check-file 0 "$vpmemctl" check "$tmp"
has check-file-method '^method: +msync$'
has check-file-pmem '^pmem: +no$'
has check-file-durable '^durable: +yes$'
expect check-file-json 0 "$vpmemctl" check --json "$tmp"
has check-json-method '"persist_method":"msync"'
has check-json-pmem '"pmem":false'
has check-json-durable '"durable":true'
expect check-strict 0 "$vpmemctl" check --strict "$tmp"
expect check-dir 0 "$vpmemctl" check "${TMPDIR:-/tmp}"
# The test knob is loud (stderr, whatever the log level), visible, and a
# forced method is never called durable; "none" neither.
expect check-forced 3 env PMEMFLUSH_FORCE_METHOD=cpu-flush "$vpmemctl" check "$tmp"
has check-forced-shown '^method: +cpu-flush \(FORCED by PMEMFLUSH_FORCE_METHOD\)$'
has check-forced-stderr 'WARNING: .*forced to cpu-flush by PMEMFLUSH_FORCE_METHOD'
has check-forced-not-durable '^durable: +NO$'
expect check-forced-json 3 env PMEMFLUSH_FORCE_METHOD=cpu-flush "$vpmemctl" check --json "$tmp"
has check-forced-json-shown '"method_forced":true'
has check-forced-json-durable '"durable":false'
# tmpfs is memory only: not durable, with the reason; a bad system
# configuration is reported and changes nothing.
if [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
	shm=$(mktemp /dev/shm/vpmemctl-test.XXXXXX)
	expect check-tmpfs 3 "$vpmemctl" check "$shm"
	has check-tmpfs-hazard '^HAZARD: +volatile: '
	has check-tmpfs-why '^why: +on a memory-only file system'
	has check-tmpfs-method '^method: +refused$'
	cfg=$(mktemp "${TMPDIR:-/tmp}/vpmemctl-conf.XXXXXX")
	echo "trust-unverified-platform = yes" > "$cfg"
	expect check-tmpfs-trust 3 env PMEMFLUSH_CONFIG="$cfg" "$vpmemctl" check "$shm"
	echo "trust-unverified-platform = perhaps" > "$cfg"
	expect check-bad-config 0 env PMEMFLUSH_CONFIG="$cfg" "$vpmemctl" check "$tmp"
	has check-bad-config-msg "$cfg: line 1: not yes or no: 'perhaps'"
	rm -f "$shm" "$cfg"
else
	echo "FAIL check-tmpfs: /dev/shm is not a tmpfs here"
	fails=$((fails + 1))
fi
expect check-forced-none 3 env PMEMFLUSH_FORCE_METHOD=none "$vpmemctl" check "$tmp"
has check-forced-none-not-durable '^durable: +NO$'
expect check-one-missing 1 "$vpmemctl" check --json "$tmp" "$missing"
has check-one-missing-still-reports '"path":'

# flush: argument errors, and what a host without pmem has: a file on a
# disk (flushed: 0), tmpfs (no path: 3), missing targets (1).
expect help-lists-flush 0 "$vpmemctl" --help
has help-lists-flush '^  flush '
expect flush-help 0 "$vpmemctl" flush --help
has flush-help-exit-4 '4 permission denied'
expect flush-no-target 2 "$vpmemctl" flush
has flush-no-target-msg 'no TARGET given'
expect flush-bad-option 2 "$vpmemctl" flush --bogus "$tmp"
expect flush-empty-target 2 "$vpmemctl" flush ""
expect flush-file 0 "$vpmemctl" flush "$tmp"
has flush-file-table "^TARGET +DEVICE +HOW +HOST_FLUSHES +TIME +RESULT$"
has flush-file-row "^$tmp +[^ ]+ +fsync +- +[0-9.]+ ms +ok$"
expect flush-file-json 0 "$vpmemctl" flush --json --fs "$tmp" "${TMPDIR:-/tmp}"
has flush-json-how '"how":"fsync\+syncfs"'
has flush-json-ok '"result":"ok"'
has flush-json-null-count '"host_flushes":null'
expect flush-missing 1 "$vpmemctl" flush "$missing"
has flush-missing-msg "^vpmemctl flush: $missing: cannot stat '.*missing': No such file or directory$"
[ "$(echo "$last_out" | grep -c '^vpmemctl flush:')" -eq 1 ] ||
	{ echo "FAIL flush-missing: not one line: $last_out"; fails=$((fails + 1)); }
expect flush-no-region 1 "$vpmemctl" flush region999
has flush-no-region-msg '^vpmemctl flush: region999: no such region$'
expect flush-no-region-number 1 "$vpmemctl" flush 999
expect flush-no-namespace 1 "$vpmemctl" flush namespace999.0
expect flush-no-bus 1 "$vpmemctl" flush ndbus999
expect flush-chardev 1 "$vpmemctl" flush /dev/null
has flush-chardev-msg 'not device dax'
if [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
	shm=$(mktemp /dev/shm/vpmemctl-test.XXXXXX)
	expect flush-tmpfs 3 "$vpmemctl" flush "$shm"
	has flush-tmpfs-why "^vpmemctl flush: $shm: not flushed, no path reaches the host: on a memory-only file system"
	has flush-tmpfs-row "^$shm +- +none +- +- +unsafe$"
	expect flush-tmpfs-json 3 "$vpmemctl" flush --json "$shm"
	has flush-tmpfs-json-unsafe '"result":"unsafe"'
	has flush-tmpfs-json-reason '"reason":"on a memory-only'
	# Every target is reported; the worst result decides: 1 over 3.
	expect flush-mixed-3 3 "$vpmemctl" flush "$tmp" "$shm"
	expect flush-mixed-1 1 "$vpmemctl" flush "$shm" "$missing" "$tmp"
	has flush-mixed-reports-all "^$tmp .* ok$"
	rm -f "$shm"
else
	echo "FAIL flush-tmpfs: /dev/shm is not a tmpfs here"
	fails=$((fails + 1))
fi
rm -f "$tmp"

# driver: works without any virtio-pmem device (this host), reports both
# modules; argument errors are usage errors (2); nothing here loads or binds.
expect help-lists-driver 0 "$vpmemctl" --help
has help-lists-driver '^  driver '
expect driver-help 0 "$vpmemctl" driver --help
has driver-help-exit 'Exit status: 0 done, 1 error, 2 usage, 3 refused'
npmem=0
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device" 2>/dev/null)" = 0x001b ] && npmem=$((npmem + 1))
done
expect driver-table 0 "$vpmemctl" driver
[ "$npmem" -gt 0 ] || has driver-table-no-device '^no virtio-pmem device$'
has driver-table-header '^MODULE +AVAILABLE +STATE +VERSION +REFS +BLACKLISTED +MATCHES'
has driver-table-vpmem '^vpmem +(yes|no) +'
has driver-table-virtio-pmem '^virtio_pmem +(yes|no) +'
expect driver-json 0 "$vpmemctl" driver --json
has driver-json-modules '^  "modules":\['
has driver-json-vpmem '"name":"vpmem"'
has driver-json-virtio-pmem '"name":"virtio_pmem"'
has driver-json-devices '"devices":\['
expect driver-json-short 0 "$vpmemctl" driver -j
expect driver-bad-option 2 "$vpmemctl" driver --bogus
expect driver-bad-sub 2 "$vpmemctl" driver frob
has driver-bad-sub-msg "unknown subcommand 'frob'"
expect driver-json-sub 2 "$vpmemctl" driver --json bind vpmem all
expect driver-bind-no-args 2 "$vpmemctl" driver bind
expect driver-bind-one-arg 2 "$vpmemctl" driver bind vpmem
expect driver-bind-three-args 2 "$vpmemctl" driver bind vpmem virtio0 virtio1
expect driver-bind-bad-driver 2 "$vpmemctl" driver bind nd_pmem all
has driver-bind-bad-driver-msg "unknown driver 'nd_pmem': vpmem or virtio_pmem"
expect driver-load-bad-module 2 "$vpmemctl" driver load ext4
expect driver-load-extra 2 "$vpmemctl" driver load vpmem extra
# Root without CAP_SYS_MODULE (a container): status 4, and the message
# does not tell root that it "needs root". setpriv drops the capability
# from the bounding set, so root's exec does not get it back.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null &&
	setpriv --bounding-set=-sys_module true 2> /dev/null; then
	expect driver-load-root-without-cap 4 setpriv --bounding-set=-sys_module "$vpmemctl" driver load vpmem
	case "$last_out" in
	*"needs CAP_SYS_MODULE, which this root process does not have"*) ;;
	*) echo "FAIL driver-load-root-without-cap message: $last_out"; fails=$((fails + 1)) ;;
	esac
fi
expect driver-bind-missing 1 "$vpmemctl" driver bind vpmem virtio999
has driver-bind-missing-msg "no virtio device 'virtio999'"
expect driver-bind-path 1 "$vpmemctl" driver bind vpmem ../virtio0
if [ "$npmem" -eq 0 ]; then
	expect driver-bind-none 1 "$vpmemctl" driver bind vpmem all
	has driver-bind-none-msg 'no virtio-pmem device on this machine'
	for d in /sys/bus/virtio/devices/*; do
		[ -e "$d/device" ] || continue
		n=$(basename "$d")
		expect driver-bind-not-pmem 1 "$vpmemctl" driver bind vpmem "$n"
		has driver-bind-not-pmem-msg "$n is not a virtio-pmem device \\(device id 0x[0-9a-f]+, not 0x001b\\)"
		break
	done
fi

# ndctl's conventions: --list-cmds; help CMD prints the command's usage
# (its man page on a terminal with man); every usage error is one line on
# stderr, with exit status 2.
expect list-cmds 0 "$vpmemctl" --list-cmds
for c in list check version help; do
	echo "$last_out" | grep -qx "$c" || { echo "FAIL --list-cmds lacks $c"; fails=$((fails + 1)); }
done
for c in $("$vpmemctl" --list-cmds); do
	expect "help-$c" 0 env VPMEMCTL_HELP_NO_MAN=1 "$vpmemctl" help "$c"
	has "help-$c-usage" "^usage: vpmemctl $c"
	expect "$c-help-opt" 0 "$vpmemctl" "$c" --help
	[ "$c" = help ] || [ "$c" = version ] || has "$c-help-opt-usage" "^usage: vpmemctl $c"
done
one_line() { # one_line NAME CMD...: exit 2, exactly one line on stderr, nothing on stdout
	name=$1
	shift
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	out=$("$@" 2>/dev/null)
	if [ $rc -ne 2 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [ -z "$err" ] || [ -n "$out" ]; then
		echo "FAIL $name: rc $rc, stderr '$err', stdout '$out'"
		fails=$((fails + 1))
	fi
}
one_line usage-no-command "$vpmemctl"
one_line usage-unknown-command "$vpmemctl" frobnicate
one_line usage-unknown-option "$vpmemctl" --bogus
one_line usage-unknown-short "$vpmemctl" -x
one_line usage-missing-arg "$vpmemctl" --log
one_line usage-help-unknown "$vpmemctl" help frobnicate
one_line usage-list-option "$vpmemctl" list --bogus
one_line usage-list-missing-arg "$vpmemctl" list -r
one_line usage-list-extra "$vpmemctl" list extra
one_line usage-check-option "$vpmemctl" check -q /
one_line usage-check-no-path "$vpmemctl" check
one_line usage-flush-option "$vpmemctl" flush --bogus /
one_line usage-flush-no-target "$vpmemctl" flush
one_line usage-driver-option "$vpmemctl" driver --bogus
one_line usage-driver-subcommand "$vpmemctl" driver frob
one_line usage-driver-bind-args "$vpmemctl" driver bind vpmem
one_line usage-list-mode "$vpmemctl" list -m bogus
# list's new filters work on a machine without pmem: an empty answer.
expect list-filters 0 "$vpmemctl" list --json -b ndbus9 -n namespace9.0 -m fsdax -v
[ "$last_out" = "[]" ] || { echo "FAIL list filters on nothing: $last_out"; fails=$((fails + 1)); }

# An answer that cannot be written is an error, not success.
if [ -w /dev/full ]; then
	"$vpmemctl" version > /dev/full 2>/dev/null
	rc=$?
	[ $rc -eq 1 ] || { echo "FAIL output to /dev/full exited $rc, expected 1"; fails=$((fails + 1)); }
fi

[ $fails -eq 0 ] && echo "test-cli: all passed"
exit $((fails > 0))
