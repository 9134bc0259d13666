# libpmemflush on ext4-dax and xfs-dax (in-tree driver): the method is
# msync with page granularity, and every successful persist() is followed
# by at least one host flush before it returns.
# vt: devices=256M,512M fs0=ext4 fs1=xfs mount=dax,noatime

for d in 0 1; do
	eval "mnt=\$MNT$d"
	eval "fs=\$(vt_get FS $d)"
	check_eq "$fs-method" "$(persisttool map "$mnt/log")" "method=msync granularity=page"
	sync
	# Straight to the console: the marks must reach the host in real time.
	persisttool persist "$mnt/log" 5
	rc=$?
	check_eq "$fs-persist-ok" $rc 0
	i=0
	while [ $i -lt 5 ]; do
		expect_hf "p$i-a" "p$i-b" ge 1 "$fs-persist-$i-reached-host"
		i=$((i + 1))
	done
done
