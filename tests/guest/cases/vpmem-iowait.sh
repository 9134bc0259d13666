# A task waiting for a host flush is in I/O wait (as for any device write):
# the system's iowait time grows while one writer flushes in a loop, and
# does not while the guest idles for as long.
# vt: devices=256M driver=vpmem smp=2

attr=$VPMEM0/flush
iowait() { awk '/^cpu /{print $6}' /proc/stat; }
uptime_cs() { awk '{split($1, a, "."); print a[1] * 100 + a[2]}' /proc/uptime; }

i0=$(iowait)
sleep 5
idle=$(($(iowait) - i0))

i0=$(iowait)
t0=$(uptime_cs)
n=0
while [ $(($(uptime_cs) - t0)) -lt 500 ]; do
	echo 1 > "$attr" || break
	n=$((n + 1))
done
busy=$(($(iowait) - i0))
vt_metric flushes-in-5s "$n" flushes
vt_metric iowait-idle-5s "$idle" ticks
vt_metric iowait-flushing-5s "$busy" ticks
check flushes-made test "$n" -gt 30
# How many ticks depends on how long the host's fsync takes (seen: 4 to 14
# in 3 s); with the idle guest at 0, a few ticks are the signal.
check iowait-while-flushing test "$busy" -ge $((idle + 3))
