# Non-root devdax applications (issue 9.6): with udev/60-vpmem.rules (run
# by the real systemd-udevd), the host-flush attribute follows the owner,
# group and the owner and group write bits (never write for others) of the region's dax
# device, so a non-root owner's persist() reaches the host; a user the attribute does not let in gets a
# refusal that names the attribute and the rule.
# vt: devices=256M driver=vpmem mode=devdax timeout=240

flush=$VPMEM0/flush
dax=$DAX0
perms() { stat -c '%u:%g %a' "$1"; }
# as USER CMD: run CMD (sh -c) as USER, output on the console.
as() { su -s /bin/sh "$1" -c "$2"; }

{
	echo "app:x:1000:1000::/tmp:/bin/sh"
	echo "other:x:1001:1001::/tmp:/bin/sh"
	echo "member:x:1003:1003::/tmp:/bin/sh"
} >> /etc/passwd
{
	echo "root:x:0:"
	echo "app:x:1000:"
	echo "other:x:1001:"
	echo "member:x:1003:"
	echo "daxusers:x:1002:member"
} >> /etc/group

check_eq flush-root-only-at-first "$(perms "$flush")" "0:0 200"

# Without the rule: the device is writable for everyone, the attribute is
# not; the refusal says which rule to install.
chmod 0666 "$dax"
out=$(as app "vpmemctl check $dax" 2>&1)
check_eq no-rule-check-not-durable $? 3
case "$out" in
*"not writable by this user"*"60-vpmem.rules"*) vt_ok no-rule-refusal-names-rule ;;
*) vt_fail no-rule-refusal-names-rule "got: $out" ;;
esac

# Install the rule as a package would, and an admin's rule that gives the
# dax devices to user app and group daxusers.
mkdir -p /etc/udev/rules.d /lib/udev /run/udev
cp /vpmem/udev/60-vpmem.rules /etc/udev/rules.d/
cp /vpmem/udev/vpmem-flush-access /lib/udev/
chmod 0755 /lib/udev/vpmem-flush-access
echo 'SUBSYSTEM=="dax", KERNEL=="dax*", OWNER="app", GROUP="daxusers", MODE="0660"' \
	> /etc/udev/rules.d/50-local-dax.rules
check udevd-started systemd-udevd --daemon
out=$(udevadm test --action=change "/sys/bus/dax/devices/${dax#/dev/}" 2>&1)
case "$out" in
*"RUN"*"vpmem-flush-access /devices/"*"/ndbus"*) vt_ok udevadm-test-rule-runs-helper ;;
*) vt_fail udevadm-test-rule-runs-helper "$(echo "$out" | tail -15 | tr '\n' ' ')" ;;
esac
udevadm trigger --subsystem-match=dax --action=add
udevadm settle -t 30
check_eq dax-owned-by-app "$(perms "$dax")" "1000:1002 660"
check_eq flush-follows-owner-and-group "$(perms "$flush")" "1000:1002 220"

# The owner: durable, and one persist costs one host flush.
out=$(as app "vpmemctl check $dax" 2>&1)
check_eq owner-check-durable $? 0
case "$out" in
*"method:    host-flush"*"durable:   yes"*) vt_ok owner-check-says-yes ;;
*) vt_fail owner-check-says-yes "got: $out" ;;
esac
as app "persisttool persist $dax 1"
check_eq owner-persist-ok $? 0
expect_hf p0-a p0-b eq 1 owner-persist-reaches-host
# A member of the group, through the group write bit.
as member "persisttool persist $dax 1"
check_eq group-member-persist-ok $? 0
expect_hf p0-a p0-b eq 1 group-member-persist-reaches-host

# A plain chown (no udev rule says so) does not move the attribute: the new
# owner is refused, clearly, until the next event of the device.
rm /etc/udev/rules.d/50-local-dax.rules
udevadm control --reload
chown 1001:1001 "$dax"
chmod 0600 "$dax"
out=$(as other "vpmemctl check $dax" 2>&1)
check_eq other-check-not-durable $? 3
case "$out" in
*"$flush"*"not writable by this user (uid 1001)"*"60-vpmem.rules"*) vt_ok other-check-says-why ;;
*) vt_fail other-check-says-why "got: $out" ;;
esac
out=$(as other "persisttool map $dax" 2>&1)
rc=$?
case "$rc $out" in
0*) vt_fail other-map-refused "map succeeded: $out" ;;
*"$flush"*"not writable by this user"*) vt_ok other-map-refused ;;
*) vt_fail other-map-refused "rc=$rc: $out" ;;
esac
check_eq other-cannot-write-flush "$(as other "echo 1 > $flush" 2>/dev/null; echo $?)" 1

udevadm trigger --action=change "$dax"
udevadm settle -t 30
check_eq flush-follows-chown-after-change "$(perms "$flush")" "1001:1001 200"
as other "persisttool persist $dax 1"
check_eq other-persist-ok-after-change $? 0
expect_hf p0-a p0-b eq 1 other-persist-reaches-host
out=$(as app "vpmemctl check $dax" 2>&1)
check_eq app-no-longer-durable $? 3

# The owner's write bit follows the device's as well: an owner who may only
# read /dev/daxN.M gets no write on the attribute (the group keeps its own).
chmod 0460 "$dax"
udevadm trigger --action=change "$dax"
udevadm settle -t 30
check_eq flush-owner-write-follows-device "$(perms "$flush")" "1001:1001 20"
check_eq read-only-owner-cannot-flush "$(as other "echo 1 > $flush" 2>/dev/null; echo $?)" 1

# The dax device goes away (namespace back to fsdax): the attribute is
# root's again.
vt_run ndctl create-namespace -f -e "$NS0" -m fsdax
udevadm settle -t 30
check_eq flush-root-only-without-dax "$(perms "$flush")" "0:0 200"
vt_no_kernel_splat no-kernel-splat
