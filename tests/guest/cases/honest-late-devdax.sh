# Honesty (issue 8.7, 8.8): facts come from the live device when a map is
# made. A process that discovered the machine before a device dax existed
# maps it later with the right method (host-flush with vpmem, reaching the
# host), also after the namespace was reconfigured; check tells a user who
# may not write the host-flush attribute that the path is not durable for
# them instead of failing later.
# vt: devices=256M driver=vpmem timeout=180

n=${REGION0#region}
rm -f /tmp/go
latemap /tmp/go "/dev/dax$n.0" persist > /tmp/late.out 2>&1 &
pid=$!
t=0
while ! grep -q regions= /tmp/late.out && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
check_eq discovered-before "$(grep -c 'regions=1' /tmp/late.out)" 1
vt_run ndctl create-namespace -f -e "$NS0" -m devdax
vt_wait_file "/dev/dax$n.0"
mark late-a
touch /tmp/go
wait $pid
rc=$?
mark late-b
vt_info "latemap: $(tr '\n' ' ' < /tmp/late.out)"
check_eq late-map-ok $rc 0
check_eq late-method "$(grep -c 'method=host-flush' /tmp/late.out)" 1
check_eq late-persist-ok "$(grep -c 'persist=0' /tmp/late.out)" 1
expect_hf late-a late-b ge 1 late-devdax-persist-reaches-host
out=$(vpmemctl check "/dev/dax$n.0")
case "$out" in
*"map_sync:  not probed (device dax"*"method:    host-flush"*"durable:   yes"*) vt_ok devdax-check-no-map-sync-evidence ;;
*) vt_fail devdax-check-no-map-sync-evidence "got: $out" ;;
esac

# Reconfigure: the dax device may come back under another name.
vt_run ndctl create-namespace -f -e "$NS0" -m fsdax
vt_run ndctl create-namespace -f -e "$NS0" -m devdax
dax=
for d in /dev/dax$n.*; do [ -c "$d" ] && dax=$d; done
vt_info "after reconfiguring: $(ls /dev/dax* 2>/dev/null | tr '\n' ' ')"
check reconfigured-dax test -c "$dax"
check_eq reconfigured-method "$(persisttool map "$dax" 2>&1)" "method=host-flush granularity=page"

# A user who may write the device but not the host-flush attribute.
chmod 0666 "$dax"
grep -q '^app:' /etc/passwd 2>/dev/null || echo "app:x:1000:1000::/tmp:/bin/sh" >> /etc/passwd
out=$(su -s /bin/sh app -c "vpmemctl check $dax" 2>&1)
rc=$?
check_eq nonroot-check-not-durable $rc 3
case "$out" in
*"durable:   NO"*"not writable by this user"*) vt_ok nonroot-check-says-why ;;
*) vt_fail nonroot-check-says-why "got: $out" ;;
esac
out=$(su -s /bin/sh app -c "persisttool map $dax" 2>&1)
case "$out" in
*"not writable by this user"*) vt_ok nonroot-map-says-why ;;
*) vt_fail nonroot-map-says-why "got: $out" ;;
esac
