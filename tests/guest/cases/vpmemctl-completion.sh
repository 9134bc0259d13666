# The bash completion on a guest's real names: regions, namespaces and buses
# from sysfs for list filters and flush targets, device nodes, virtio-pmem
# devices for 'driver bind'.
# vt: devices=256M,256M mode0=fsdax mode1=devdax

comp() { # comp WORD...: the completions of the last word, sorted, one line
	bash -c '. /vpmem/vpmemctl.bash
		COMP_WORDS=(vpmemctl "$@"); COMP_CWORD=$#; COMPREPLY=(); _vpmemctl
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' comp "$@"
}

regions=$(ls /sys/bus/nd/devices | grep '^region' | sort | tr '\n' ' ')
buses=$(ls /sys/bus/nd/devices | grep '^ndbus' | sort | tr '\n' ' ')
check_eq list-region-names "$(comp list -r '')" "$regions"
check_eq list-bus-names "$(comp list -b nd)" "$buses"
out=$(comp flush '')
for w in $REGION0 $REGION1 $NS0 $BUS0 $BUS1 "$DEV0" "$DAX1"; do
	case " $out " in *" $w "*) vt_ok "flush-offers-$(basename "$w")" ;;
	*) vt_fail "flush-offers-$(basename "$w")" "got: $out" ;; esac
done
virtio=$(for d in /sys/bus/virtio/devices/*; do
	[ "$(cat "$d/device")" = 0x001b ] && basename "$d"; done | sort | tr '\n' ' ')
check_eq driver-subcommands "$(comp driver '')" "bind load "
check_eq bind-drivers "$(comp driver bind '')" "virtio_pmem vpmem "
check_eq bind-devices "$(comp driver bind vpmem '')" "all $virtio"
