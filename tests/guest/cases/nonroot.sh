# vpmemctl and libpmemflush as an unprivileged user (issue 13.6), on the
# in-tree virtio_pmem and on vpmem: list and check work read-only and say
# what root says (less only what root alone may read, named); flush of
# anything but the user's own files and every driver subcommand that
# changes state refuse with "permission denied" and status 4 and change
# nothing (no host flush in QEMU's trace, the binding as it was); the
# library persists a file the user owns (msync) and refuses device dax whose
# host-flush attribute the user may not write; hostile target names touch
# nothing; no attribute of vpmem (nor its udev helper's result) is
# world-writable.
# vt: devices=256M,256M,256M driver0=virtio_pmem driver1=vpmem driver2=vpmem mode0=fsdax mode1=fsdax mode2=devdax fs0=ext4 fs1=ext4 mount0=dax mount1=dax timeout=420


grep -q '^app:' /etc/passwd 2>/dev/null || echo "app:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd
grep -q '^app:' /etc/group 2>/dev/null || echo "app:x:1000:" >> /etc/group
# as CMD: CMD (sh -c) as user app, uid 1000, no supplementary groups.
as() { su -s /bin/sh app -c "$1"; }
check_eq runs-as-app "$(as 'id -u')" 1000

# --- list and check: the same facts ------------------------------------
vpmemctl list --json > /tmp/root-list.json
as "vpmemctl list --json > /tmp/app-list.json"
check_eq app-list-json-exit-0 $? 0
vpmemctl list > /tmp/root-list.txt
as "vpmemctl list > /tmp/app-list.txt"
check_eq app-list-exit-0 $? 0
# What only root may read: flush_errors_ack (vpmem(4), 0600): JSON null
# (vpmemctl-check(1)); the rest is the same, byte for byte.
diff /tmp/root-list.json /tmp/app-list.json > /tmp/list.diff
vt_info "list --json root vs app: $(grep '^[-+] ' /tmp/list.diff | tr '\n' ' ' | head -c 600)"
check_eq list-json-same-facts "$(grep '^[-+] ' /tmp/list.diff | grep -v 'flush_errors_unacknowledged\|flush_failing\|flush-failing')" ""
check_eq list-table-same "$(diff /tmp/root-list.txt /tmp/app-list.txt | grep '^[-+] ' | grep -vi 'flush')" ""

mkdir -p "$MNT0/app" "$MNT1/app"
chown 1000:1000 "$MNT0/app" "$MNT1/app"
as "echo mine > $MNT0/app/own; echo mine > $MNT1/app/own"
i=0
for p in "$MNT0/app/own" "$MNT1/app/own" "$DAX2" "$DEV1"; do
	i=$((i + 1))
	n=$i-$(basename "$p")
	vpmemctl check --json "$p" > "/tmp/root-$n.json" 2>&1
	rrc=$?
	as "vpmemctl check --json $p" > "/tmp/app-$n.json" 2>&1
	arc=$?
	vt_info "check $p: root rc=$rrc app rc=$arc"
	diff "/tmp/root-$n.json" "/tmp/app-$n.json" > "/tmp/$n.diff"
	vt_info "check --json $p root vs app: $(grep '^[-+] ' "/tmp/$n.diff" | tr '\n' ' ' | head -c 600)"
	case $p in
	"$DAX2")
		# The one documented difference: the host-flush attribute is
		# root's (0200), so the path is not durable for this user.
		check_eq "check-$n-root-durable" $rrc 0
		check_eq "check-$n-app-not-durable" $arc 3
		check "check-$n-app-says-why" grep -q 'not writable by this user' "/tmp/app-$n.json"
		;;
	"$DEV1")
		# /dev/pmem1 is root's (0660 root:disk): the user cannot open it.
		vt_info "check $DEV1 as app: $(head -c 300 "/tmp/app-$n.json")"
		;;
	*)
		check_eq "check-$n-same-exit" $arc $rrc
		check_eq "check-$n-same-facts" "$(grep '^[-+] ' "/tmp/$n.diff" | grep -v 'flush_errors_unacknowledged')" ""
		;;
	esac
done
as "vpmemctl check $MNT1/app/own" > /tmp/app-check.txt 2>&1
check_eq app-check-table-exit-0 $? 0
check app-check-table-durable grep -q 'durable: *yes' /tmp/app-check.txt

# --- flush: refused, nothing sent ---------------------------------------
# vf_app NAME TARGET: 'vpmemctl flush --json TARGET' as app: status 4, result
# denied, one "permission denied" line, no host flush in between.
vf_app() {
	sync
	mark "$1-a"
	as "vpmemctl flush --json $2" > /tmp/vf.json 2> /tmp/vf.err
	_rc=$?
	mark "$1-b"
	check_eq "$1-exit-4" $_rc 4
	check "$1-result-denied" sh -c "pmemtest json-get 0/result < /tmp/vf.json | grep -qx denied"
	check "$1-one-line" sh -c "[ \$(wc -l < /tmp/vf.err) -eq 1 ] && grep -q '^vpmemctl flush: .*: permission denied: ' /tmp/vf.err"
	vt_info "$1: $(cat /tmp/vf.err)"
	expect_hf "$1-a" "$1-b" eq 0 "$1-nothing-sent"
}
bus1=$(basename "$BUS1")
vf_app flush-region-vpmem "$REGION1"
vf_app flush-number-vpmem "${REGION1#region}"
vf_app flush-namespace-vpmem "$(basename "$NS1")"
vf_app flush-bus-vpmem "$bus1"
vf_app flush-pmem-vpmem "$DEV1"
vf_app flush-dax-vpmem "$DAX2"
vf_app flush-pmem-intree "$DEV0"
vf_app flush-region-intree "$REGION0"
# The user's own file: fsync needs no privilege, and reaches the host.
for d in 0 1; do
	sync
	mark "own$d-a"
	eval "m=\$MNT$d"
	as "vpmemctl flush $m/app/own" > /dev/null 2> /tmp/vf.err
	check_eq "flush-own-file-$d-exit-0" $? 0
	vt_info "flush $m/app/own as app: $(cat /tmp/vf.err)"
	mark "own$d-b"
	expect_hf "own$d-a" "own$d-b" ge 1 "flush-own-file-$d-reaches-host"
done

# --- hostile names: refused, nothing touched -----------------------------
for t in "../../../../../../sys/bus/nd/devices/$bus1/vpmem/flush" \
	"/sys/bus/nd/devices/$bus1/vpmem/flush" "$bus1/../../$bus1/vpmem/flush" \
	"../../../../proc/self/status"; do
	i=$((i + 1))
	for who in root app; do
		sync
		mark "hostile-a"
		if [ $who = root ]; then
			(cd /tmp && vpmemctl flush "$t") > /dev/null 2> /tmp/vf.err
		else
			as "cd /tmp && vpmemctl flush '$t'" > /dev/null 2> /tmp/vf.err
		fi
		rc=$?
		mark "hostile-b"
		n=hostile-$i-$who
		vt_info "$n: rc=$rc $(cat /tmp/vf.err)"
		case "$t" in
		"$bus1"/*) check_eq "$n-exit-1" $rc 1
			check "$n-no-such" grep -q 'No such file or directory' /tmp/vf.err ;;
		*) check_eq "$n-exit-1" $rc 1
			check "$n-says-no-data" grep -q 'which holds no data: nothing to flush' /tmp/vf.err ;;
		esac
		expect_hf hostile-a hostile-b eq 0 "$n-nothing-sent"
	done
done

# --- driver: read-only works, changes refused ----------------------------
vpmemctl driver > /tmp/root-drv.txt
as "vpmemctl driver > /tmp/app-drv.txt"
check_eq app-driver-exit-0 $? 0
check_eq app-driver-same "$(diff /tmp/root-drv.txt /tmp/app-drv.txt)" ""
vpmemctl driver --json > /tmp/root-drv.json
as "vpmemctl driver --json > /tmp/app-drv.json"
check_eq app-driver-json-exit-0 $? 0
check_eq app-driver-json-same "$(diff /tmp/root-drv.json /tmp/app-drv.json)" ""
v0=$(basename "$(vt_virtio_dev 0)")
v1=$(basename "$(vt_virtio_dev 1)")
binding() { for i in 0 1 2; do basename "$(readlink -f "$(vt_virtio_dev $i)/driver")"; done | tr '\n' ' '; }
before=$(binding)
# vd NAME ARGS: 'vpmemctl driver ARGS' as app: 4, one documented line.
vd() {
	_n=$1
	shift
	as "vpmemctl driver $*" > /tmp/vd.out 2> /tmp/vd.err
	check_eq "$_n-exit-4" $? 4
	check "$_n-one-line" sh -c "[ \$(wc -l < /tmp/vd.err) -eq 1 ] && grep -q '^vpmemctl driver [a-z]*: permission denied: ' /tmp/vd.err"
	vt_info "$_n: $(cat /tmp/vd.err)"
}
vd driver-load-vpmem load vpmem
vd driver-load-virtio-pmem load virtio_pmem
vd driver-bind-to-vpmem bind vpmem "$v0"
vd driver-bind-to-intree bind virtio_pmem "$v1"
vd driver-bind-all bind virtio_pmem all
check_eq driver-binding-unchanged "$(binding)" "$before"
check_rc driver-bind-hostile 1 su -s /bin/sh app -c "vpmemctl driver bind vpmem ../../../devices"

# --- the library as this user --------------------------------------------
as "persisttool persist $MNT1/app/lib 1"
check_eq lib-persist-vpmem-file-ok $? 0
expect_hf p0-a p0-b ge 1 lib-persist-vpmem-file-reaches-host
as "persisttool persist $MNT0/app/lib 1"
check_eq lib-persist-intree-file-ok $? 0
expect_hf p0-a p0-b ge 1 lib-persist-intree-file-reaches-host
as "persisttool map $MNT1/app/lib" > /tmp/m.out 2>&1
check lib-map-method-msync grep -q 'method=msync' /tmp/m.out
# Device dax the user may write, whose flush attribute is root's: refused
# (EACCES, pmemflush_map(3)), never "durable".
chmod 0666 "$DAX2"
as "persisttool map $DAX2" > /tmp/m.out 2>&1
check_eq lib-devdax-refused-eacces $? 13
check lib-devdax-refusal-says-why grep -q 'not writable by this user' /tmp/m.out
vt_info "devdax as app: $(cat /tmp/m.out)"
chmod 0600 "$DAX2"

# --- no world-writable attribute -----------------------------------------
ww() { find "$@" -perm -0002 ! -type l ! -type d 2>/dev/null; }
check_eq no-world-writable-vpmem-group "$(ww /sys/bus/nd/devices/"$bus1"/vpmem/ /sys/bus/nd/devices/ndbus*/vpmem/)" ""
check_eq no-world-writable-module "$(ww /sys/module/vpmem/)" ""
check_eq no-world-writable-driver "$(ww /sys/bus/virtio/drivers/vpmem/)" ""
check_eq no-world-writable-nd "$(ww /sys/bus/nd/devices/ /sys/bus/nd/devices/*/)" ""
vt_info "vpmem module parameters: $(ls -l /sys/module/vpmem/parameters/ 2>&1 | tr '\n' ' ')"
check_eq no-world-writable-parameters "$(ww /sys/module/vpmem/parameters/)" ""
# The udev helper with a world-writable dax device: owner and group only.
mkdir -p /etc/udev/rules.d /lib/udev /run/udev
cp /vpmem/udev/60-vpmem.rules /etc/udev/rules.d/
cp /vpmem/udev/vpmem-flush-access /lib/udev/
chmod 0755 /lib/udev/vpmem-flush-access
check udevd-started systemd-udevd --daemon
udevadm trigger --subsystem-match=dax --action=add
udevadm settle -t 30
check_eq udev-default-flush-root-only "$(stat -c '%u:%g %a' "$VPMEM2/flush")" "0:0 200"
chmod 0666 "$DAX2"
udevadm trigger --action=change "$DAX2"
udevadm settle -t 30
check_eq udev-world-writable-dax-flush-not "$(stat -c '%a' "$VPMEM2/flush")" 200
check_eq no-world-writable-after-udev "$(ww /sys/bus/nd/devices/ndbus*/vpmem/)" ""
# The helper did run on that event (200 is also what it starts from): with
# a group on the dax device the attribute gets that group and its write,
# still none for others, and a member of the group persists through it.
chgrp 1000 "$DAX2"
udevadm trigger --action=change "$DAX2"
udevadm settle -t 30
check_eq udev-group-dax-flush-group-write "$(stat -c '%u:%g %a' "$VPMEM2/flush")" "0:1000 220"
as "persisttool map $DAX2" > /tmp/m.out 2>&1
check_eq udev-group-member-maps-devdax $? 0
vt_info "devdax as app in the group: $(cat /tmp/m.out)"
chgrp 0 "$DAX2"
chmod 0600 "$DAX2"
udevadm trigger --action=change "$DAX2"
udevadm settle -t 30
check_eq udev-group-gone-flush-root-only "$(stat -c '%u:%g %a' "$VPMEM2/flush")" "0:0 200"
vt_no_kernel_splat no-kernel-splat
