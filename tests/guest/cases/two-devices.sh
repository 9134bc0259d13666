# Two devices of different sizes: two buses, both virtio-pmem, each with its
# own region and block device.
# vt: devices=256M,128M

check two-buses test "$(grep -lx virtio-pmem /sys/bus/nd/devices/ndbus*/provider | wc -l)" -eq 2
check size0 test "$(cat /sys/bus/nd/devices/$REGION0/size)" -eq $((256 << 20))
check size1 test "$(cat /sys/bus/nd/devices/$REGION1/size)" -eq $((128 << 20))
check distinct-blockdevs test "$DEV0" != "$DEV1" -a -b "$DEV0" -a -b "$DEV1"
