# Host-crash oracle on ext4 -o dax: one writer thread on device 0, eight
# (group commit) on device 1. QEMU is SIGKILLed mid-run and the guest boots
# from what the host's fsyncs covered: every record whose persist()
# returned 0 must be intact.
# vt: devices=256M,256M fs=ext4 mount=dax,noatime crash=100 timeout=300

. /vpmem/cases/crash.inc
crash_run 0:1 1:8
