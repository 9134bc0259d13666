# Device dax on virtio-pmem with the in-tree driver has no durable path:
# libpmemflush refuses the map with EOPNOTSUPP and a message that names the
# region and the fix; with the explicit non-durable flag the method is
# reported as "none". (PMDK maps this device as real pmem.)
# vt: devices=256M mode=devdax

out=$(persisttool map "$DAX0" 2>&1)
rc=$?
vt_info "map: $out"
check_eq refused-eopnotsupp $rc 95
case "$out" in *"$REGION0"*vpmem*) vt_ok message-names-region-and-vpmem ;;
*) vt_fail message-names-region-and-vpmem "got: $out" ;; esac
check_eq nondurable-method-none "$(persisttool map "$DAX0" nondurable 2>/dev/null)" "method=none granularity=page"
check_rc vpmemctl-check-refused 3 vpmemctl check "$DAX0"
