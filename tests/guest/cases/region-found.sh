# The virtio-pmem device shows up as an nvdimm region whose bus provider is
# virtio-pmem, and the project's binaries run in the guest.
# vt: devices=256M

check provider-virtio-pmem grep -qx virtio-pmem /sys/bus/nd/devices/ndbus0/provider
check region-size test "$(cat /sys/bus/nd/devices/$REGION0/size)" -eq $((256 << 20))
check pmem-blockdev test -b "$DEV0"
check ndctl-sees-region sh -c "ndctl list -R | grep -q '\"dev\":\"$REGION0\"'"
check vpmemctl-version sh -c 'vpmemctl version | grep -q "^vpmemctl "'
check vpmemctl-help sh -c 'vpmemctl --help | grep -q version'
