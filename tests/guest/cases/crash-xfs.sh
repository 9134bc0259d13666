# Host-crash oracle on xfs -o dax: one writer thread on device 0, eight
# (group commit) on device 1. QEMU is SIGKILLed mid-run and the guest boots
# from what the host's fsyncs covered: every record whose persist()
# returned 0 must be intact.
# vt: devices=300M,300M fs=xfs mount=dax,noatime crash=100 timeout=300

. /vpmem/cases/crash.inc
crash_run 0:1 1:8
