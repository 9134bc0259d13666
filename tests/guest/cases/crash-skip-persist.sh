# Negative control of the host-crash oracle: a writer that acknowledges
# records without persisting them (ext4 -o dax) must be caught: this case
# passes only if the oracle finds acknowledged records lost.
# vt: devices=256M fs=ext4 mount=dax,noatime crash=100 crash_expect=loss timeout=300

. /vpmem/cases/crash.inc
crash_run 0:1:skip-persist
