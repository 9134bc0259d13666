# xfs with -o dax on virtio-pmem: same contract as ext4-dax (mkfs.xfs needs
# at least 300 MB).
# vt: devices=512M fs=xfs mount=dax,noatime

. /vpmem/cases/dax-fs.inc
