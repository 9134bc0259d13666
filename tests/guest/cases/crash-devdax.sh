# Host-crash oracle on device dax with vpmem.ko (method host-flush): one
# writer thread on device 0, eight (coalesced host flushes) on device 1.
# QEMU is SIGKILLed mid-run and the guest boots from the host's snapshots:
# every record whose persist() returned 0 must be intact.
# vt: devices=256M,256M driver=vpmem mode=devdax crash=100 timeout=300

. /vpmem/cases/crash.inc
crash_run 0:1 1:8
