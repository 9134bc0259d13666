# vpmemctl list against the real ndctl (issue 10.4): -u sizes printed as
# ndctl -u prints them, the uuid both show, ndctl's filters (-b, -n, -m)
# selecting the same objects, -v, and vpmem's counters, live.
# vt: devices=256M,512M driver0=vpmem mode0=fsdax fs0=ext4 mount0=dax,noatime mode1=devdax

jl() { pmemtest json-get "$1" < /tmp/vl.json; }
# ndctl prints one object (not an array) for one result with -u: take the key.
nd_key() { sed -n "s/^ *\"$1\":\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -1; }

vpmemctl list --json -u > /tmp/vl.json
for i in 0 1; do
	eval r=\$REGION$i ns=\$NS$i
	check_eq "region$i-size-as-ndctl" "$(jl "dev=$r/size")" \
		"$(ndctl list -R -u -r "$r" | nd_key size)"
	check_eq "namespace$i-size-as-ndctl" "$(jl "dev=$r/namespaces/0/size")" \
		"$(ndctl list -N -u -n "$ns" | nd_key size)"
	check_eq "namespace$i-uuid-as-ndctl" "$(jl "dev=$r/namespaces/0/uuid")" \
		"$(ndctl list -N -n "$ns" | nd_key uuid)"
done
vt_info "sizes: $(jl "dev=$REGION0/size") / $(jl "dev=$REGION1/size")"

# Filters select what ndctl's select.
vpmemctl list --json -b "$BUS0" > /tmp/vl.json
check_eq bus-filter "$(jl '#')/$(jl 0/dev)" "1/$REGION0"
vpmemctl list --json -b "${BUS1#ndbus}" > /tmp/vl.json
check_eq bus-number-filter "$(jl '#')/$(jl 0/dev)" "1/$REGION1"
vpmemctl list --json -b virtio-pmem > /tmp/vl.json
check_eq provider-filter "$(jl '#')" 2
vpmemctl list --json -m devdax > /tmp/vl.json
check_eq mode-filter "$(jl '#')/$(jl 0/dev)/$(jl 0/namespaces/0/mode)" "1/$REGION1/devdax"
check_eq mode-filter-as-ndctl "$(ndctl list -N -m devdax | grep -c '"dev":"namespace')" 1
vpmemctl list --json -n "$NS0" -m devdax > /tmp/vl.json
check_eq filters-combine "$(jl '#')" 0
check_rc bad-mode 2 vpmemctl list -m dax

# vpmem's counters, live, for the vpmem region only; -v adds its details.
vpmemctl list --json -v > /tmp/vl.json
check_eq counters-vpmem-only "$(jl "dev=$REGION1/vpmem")" ""
hf0=$(jl "dev=$REGION0/vpmem/host_flushes")
check_eq counters-are-sysfs "$hf0" "$(cat "$VPMEM0/host_flushes")"
check_eq verbose-id "$(jl "dev=$REGION0/id")" "${REGION0#region}"
check_eq verbose-flush-path "$(jl "dev=$REGION0/host_flush_path")" "$VPMEM0/flush"
mark c-a
echo 1 > "$VPMEM0/flush"
mark c-b
expect_hf c-a c-b eq 1 one-host-flush
vpmemctl list --json > /tmp/vl.json
check_eq counters-live "$(jl "dev=$REGION0/vpmem/host_flushes")" "$(cat "$VPMEM0/host_flushes")"
check counters-moved test "$(jl "dev=$REGION0/vpmem/host_flushes")" -gt "$hf0"
check table-counters sh -c "vpmemctl list | grep -q '^  vpmem: [0-9]* flush requests, [0-9]* host flushes, 0 errors'"
