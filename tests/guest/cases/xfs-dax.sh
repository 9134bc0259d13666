# xfs with -o dax on virtio-pmem: same contract as ext4-dax.
# vt: devices=256M fs=xfs mount=dax,noatime

. /vpmem/cases/dax-fs.inc
