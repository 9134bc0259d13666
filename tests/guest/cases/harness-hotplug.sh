# The harness itself: a file exported to the host (vt_export) and checked
# there by harness-hotplug.host.
# vt: devices=64M timeout=180

# Every byte value, 1024 times (256 KiB): NULs, high bytes, no newline at the end.
i=0
while [ $i -lt 256 ]; do
	printf "\\$(printf %o $i)"
	i=$((i + 1))
done > /tmp/bytes256
: > /tmp/bytes
i=0
while [ $i -lt 1024 ]; do
	cat /tmp/bytes256
	i=$((i + 1))
done >> /tmp/bytes
check_eq bytes-size "$(wc -c < /tmp/bytes)" 262144
vt_export bytes /tmp/bytes
uname -r > /tmp/kernel
vt_export kernel /tmp/kernel
: > /tmp/empty
vt_export empty /tmp/empty
