# The EXAMPLES of the vpmemctl man pages, word for word (the unit test
# test-man-examples keeps this file and the pages in sync): each must do
# what its page says. Device 0 is virtio0 (in-tree driver, fsdax + ext4),
# device 1 is device dax.
# vt: devices=256M,256M mode0=fsdax fs0=ext4 mount0=dax,noatime mode1=devdax timeout=180

check virtio0-is-device0 test "$(basename "$(vt_virtio_dev 0)")" = virtio0
check_eq namespace0-is-device0 "$NS0" namespace0.0
mkdir -p /srv
ln -s "$MNT0" /srv/data
check create-db pmemtest write /srv/data/db 4096

# vpmemctl-check(1)
check gate-durable sh -c 'vpmemctl check --strict /srv/data/db || exit 1'
check check-json sh -c 'vpmemctl check --json /srv/data/db > /tmp/ex.json'
check_eq check-json-durable "$(pmemtest json-get 0/durable < /tmp/ex.json)" true

# vpmemctl-list(1)
check list-buffered sh -c 'vpmemctl list --json --buffered > /tmp/ex.json'
check_eq list-buffered-both "$(pmemtest json-get '#' < /tmp/ex.json)" 2
check list-devdax sh -c 'vpmemctl list --json -u -b virtio-pmem -m devdax > /tmp/ex.json'
check_eq list-devdax-one-region "$(pmemtest json-get '#' < /tmp/ex.json)" 1
check_eq list-devdax-mode "$(pmemtest json-get 0/namespaces/0/mode < /tmp/ex.json)" devdax
check list-ns0 sh -c 'vpmemctl list --json -n namespace0.0 > /tmp/ex.json'
check ndctl-ns0 sh -c 'ndctl list -n namespace0.0 > /tmp/nd.json'
# Joined by uuid: the same namespace in both outputs.
u=$(pmemtest json-get 0/namespaces/0/uuid < /tmp/ex.json)
check uuid-present test -n "$u"
check_eq uuid-joins-ndctl "$(grep -c "\"uuid\":\"$u\"" /tmp/nd.json)" 1

# vpmemctl(1): an orchestrator's view of buffered regions.
check list-buffered-again sh -c 'vpmemctl list --json --buffered > /dev/null'

# vpmemctl-driver(1)
mkdir -p "/lib/modules/$(uname -r)/extra"
cp /vpmem/vpmem.ko "/lib/modules/$(uname -r)/extra/"
/sbin/depmod -a
check driver-json sh -c 'vpmemctl driver --json > /tmp/ex.json'
umount "$MNT0"
check driver-load vpmemctl driver load
check driver-bind-all vpmemctl driver bind vpmem all
check_eq all-on-vpmem "$(basename "$(readlink /sys/bus/virtio/devices/virtio0/driver)")" vpmem
check driver-bind-back vpmemctl driver bind virtio_pmem virtio0
check_eq virtio0-back "$(basename "$(readlink /sys/bus/virtio/devices/virtio0/driver)")" virtio_pmem
# The manual fallback, both lines, as root.
check manual-unbind sh -c 'echo virtio0 > /sys/bus/virtio/drivers/virtio_pmem/unbind'
check manual-bind sh -c 'echo virtio0 > /sys/bus/virtio/drivers/vpmem/bind'
check_eq manual-on-vpmem "$(basename "$(readlink /sys/bus/virtio/devices/virtio0/driver)")" vpmem
vt_no_kernel_splat no-kernel-splat
