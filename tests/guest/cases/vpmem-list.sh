# vpmemctl list/check with this project's vpmem driver: buffered from its
# own attribute, a host-flush path, so devdax is no hazard (host-flush).
# vt: devices=256M,256M driver=vpmem fs0=ext4 mount0=dax,noatime mode1=devdax

. /vpmem/cases/vpmemctl.inc
vl_refresh
vl_show

check_eq regions "$(jl '#')" 2
check_eq regions-ndctl "$(jr '#')" 2
for i in 0 1; do
	eval "r=\$REGION$i"
	check_eq "provider$i" "$(jl "dev=$r/provider")" virtio-pmem
	check_eq "driver$i" "$(jl "dev=$r/driver")" vpmem
	check_eq "kind$i" "$(jl "dev=$r/kind")" virtio-pmem
	check_eq "buffered$i" "$(jl "dev=$r/buffered")" yes
	check "evidence$i" sh -c "pmemtest json-get 'dev=$r/buffered_evidence' < /tmp/vl.json | grep -q 'vpmem/buffered=1'"
	check_eq "host-flush$i" "$(jl "dev=$r/host_flush")" vpmem-flush
	check_eq "size$i-ndctl" "$(jl "dev=$r/size")" "$(jr "dev=$r/size")"
done
check_eq mode0 "$(jl "dev=$REGION0/namespaces/0/mode")" "$(jn "dev=$NS0/mode")"
check_eq mode1 "$(jl "dev=$REGION1/namespaces/0/mode")" devdax
check_eq mode1-ndctl "$(jn "dev=$NS1/mode")" devdax
check_eq mount0-dax "$(jl "dev=$REGION0/namespaces/0/mounts/0/dax")" true
check_eq devdax-no-hazard "$(jl "dev=$REGION1/hazards/#")" 0
check_eq devdax-method "$(jl "dev=$REGION1/namespaces/0/persist_method")" host-flush

vc check-devdax 0 "$DAX1"
check_eq check-devdax-method "$(jc persist_method)" host-flush
check_eq check-devdax-durable "$(jc durable)" true
check_eq check-devdax-hazards "$(jc hazards/#)" 0

f=$MNT0/file
pmemtest write "$f" 4096
vc check-ext4-dax 0 "$f"
check_eq check-ext4-dax-method "$(jc persist_method)" msync
check_eq check-ext4-dax-buffered "$(jc buffered)" yes
