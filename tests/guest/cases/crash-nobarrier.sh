# Host-crash oracle on ext4 -o dax,nobarrier: fsync never reaches the host
# there (case ext4-nobarrier), so libpmemflush must refuse the map
# (EOPNOTSUPP): nothing is acknowledged and nothing is lost. A library that
# maps it anyway acknowledges records the crash then takes away.
# vt: devices=256M fs=ext4 mount=dax,noatime,nobarrier crash=100 crash_min=0 timeout=300

. /vpmem/cases/crash.inc
CRASH_WRITER_RC=95
crash_run 0:4
