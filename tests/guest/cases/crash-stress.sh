# Host-crash oracle under the stress load: 64 writer threads on ext4 -o dax
# with the in-tree driver (device 0) and 64 on ext4 -o dax with vpmem.ko
# (device 1). QEMU is SIGKILLed mid-run and the guest boots from what the
# host's flushes covered: every record whose persist() returned 0 must be
# intact. This is what the stress cases' guest-side verify cannot show
# (a fresh mapping reads the host's page cache, not what it made durable).
# vt: devices=256M,256M driver0=virtio_pmem driver1=vpmem fs=ext4 mount=dax,noatime crash=400 timeout=300

. /vpmem/cases/crash.inc
crash_run 0:64 1:64
