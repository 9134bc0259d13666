# devdax on vpmem: stores through a MAP_SYNC mapping plus the vpmem flush
# attribute reach the host (exactly one host flush) - the durable path that
# the in-tree driver does not have.
# vt: devices=256M driver=vpmem mode=devdax

check daxdev test -c "$DAX0"
check_eq buffered "$(cat "$VPMEM0/buffered")" 1
check store daxstore "$DAX0" 165
h0=$(cat "$VPMEM0/host_flushes")
mark a
check flush sh -c "echo 1 > $VPMEM0/flush"
mark b
expect_hf a b eq 1 devdax-flush-reaches-host
check_eq counter $(($(cat "$VPMEM0/host_flushes") - h0)) 1
vt_no_kernel_splat no-kernel-splat
