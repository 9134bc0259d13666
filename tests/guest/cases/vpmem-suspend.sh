# Suspend and hibernation (PM test mode "devices": every device is frozen
# and restored, no firmware involved): afterwards the flush attribute and
# fsync on the block device complete within a bound and reach the host; a
# writer hammering the flush attribute across the suspend keeps working.
# Without .freeze/.restore the queue is dead after resume and flushes hang.
# vt: devices=256M driver=vpmem timeout=300

attr=$VPMEM0/flush
check pm-test-available test -w /sys/power/pm_test
echo devices > /sys/power/pm_test
vt_info "sleep states: $(cat /sys/power/state)"

# ends_within TENTHS PID: wait for a background job, succeed if it ends in
# time with status 0 (a flush stuck in the kernel cannot be killed).
ends_within() {
	_t=0
	while kill -0 "$2" 2>/dev/null; do
		if [ $_t -ge "$1" ]; then
			echo "still running after $(($1 / 10)) s"
			return 124
		fi
		sleep 0.1
		_t=$((_t + 1))
	done
	wait "$2"
}

# finishes_within TENTHS CMD...: run CMD in the background and ends_within.
finishes_within() {
	_lim=$1
	shift
	"$@" &
	ends_within "$_lim" $!
}

cycle() { # cycle STATE: one suspend/resume, then a flush of each kind
	_s=$1
	e0=$(cat "$VPMEM0/flush_errors")
	# A writer that keeps flushing through the attribute across the cycle.
	rm -f /tmp/stop /tmp/loop.out
	( n=0; while [ ! -e /tmp/stop ]; do
		echo 1 > "$attr" || { echo "fail $n" > /tmp/loop.out; exit 1; }
		n=$((n + 1))
	  done; echo "ok $n" > /tmp/loop.out ) 2>/dev/null &
	loop=$!
	sleep 0.5
	if ! echo "$_s" > /sys/power/state; then
		touch /tmp/stop
		wait $loop
		return 1
	fi
	vt_ok "$_s-suspend-resume"
	check_eq "$_s-loop-alive" "$(kill -0 $loop 2>/dev/null && echo yes)" yes
	touch /tmp/stop
	check "$_s-loop-finishes" ends_within 200 $loop
	case "$(cat /tmp/loop.out 2>/dev/null)" in
	"ok "*) vt_ok "$_s-loop-no-error" ;;
	*) vt_fail "$_s-loop-no-error" "loop: $(cat /tmp/loop.out 2>/dev/null)" ;;
	esac

	dd if=/dev/urandom of="$DEV0" bs=4096 count=16 conv=notrunc 2>/dev/null
	mark "$_s-a"
	check "$_s-flush-attr-within-20s" finishes_within 200 sh -c "echo 1 > $attr"
	mark "$_s-b"
	check "$_s-fsync-within-20s" finishes_within 200 pmemtest fsync "$DEV0"
	mark "$_s-c"
	expect_hf "$_s-a" "$_s-b" ge 1 "$_s-attr-flush-reached-host"
	expect_hf "$_s-b" "$_s-c" ge 1 "$_s-fsync-reached-host"
	check_eq "$_s-no-flush-errors" "$(cat "$VPMEM0/flush_errors")" "$e0"
	return 0
}

# freeze (suspend to idle) must work; mem and disk where the kernel offers
# them (disk runs the hibernation freeze/thaw path of every driver).
cycle freeze || vt_fail freeze-suspend-resume "echo freeze > /sys/power/state failed"
for s in mem disk; do
	case " $(cat /sys/power/state) " in
	*" $s "*)
		if ! cycle $s; then
			vt_info "$s: the kernel refused this sleep state in the guest: $(dmesg | tail -3 | tr '\n' ' ')"
		fi ;;
	*) vt_info "$s: not offered by this guest" ;;
	esac
done
echo none > /sys/power/pm_test
dmesg | grep -i -e vpmem -e 'PM:' | tail -20 | while read -r l; do vt_info "dmesg: $l"; done
vt_no_kernel_splat no-kernel-splat
