# ext4 with -o dax on virtio-pmem: mounts, refuses MAP_SYNC, and fdatasync /
# msync reach the host while reads do not.
# vt: devices=256M fs=ext4 mount=dax,noatime

. /vpmem/cases/dax-fs.inc
