#!/bin/bash
# Every systemd unit the build makes (BUILD/systemd/*) passes the real
# `systemd-analyze verify` with no message at all, without installing
# anything: each unit is verified as a copy whose ExecStart= names the
# build's vpmemctl instead of the installed one. Each Documentation=man:
# page has its source in man/. Controls: an unknown key and a missing
# program make verify complain, so the check can fail.
# usage: test-systemd-units.sh BUILD_SYSTEMD_DIR VPMEMCTL BINDIR MAN_SRC_DIR
set -u
unitdir=$1
vpmemctl=$(realpath "$2")
bindir=$3
mansrc=$4
fails=0
analyze=$(command -v systemd-analyze) || {
	echo "SKIP: systemd-analyze not installed"
	exit 77
}
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

units=()
for u in "$unitdir"/*.service "$unitdir"/*.timer "$unitdir"/*.socket "$unitdir"/*.path; do
	[ -f "$u" ] || continue
	sed "s|^\(Exec[A-Za-z]*=[-+!@:]*\)$bindir/vpmemctl\b|\1$vpmemctl|" "$u" > "$tmp/${u##*/}"
	units+=("$tmp/${u##*/}")
done
[ ${#units[@]} -ge 2 ] || fail "only ${#units[@]} units in $unitdir"

# verify: all together, so that a timer finds its service.
verify() {
	"$analyze" verify --man=no "$@" 2>&1
}
out=$(cd "$tmp" && verify "${units[@]}")
rc=$?
[ $rc -eq 0 ] && [ -z "$out" ] || fail "systemd-analyze verify exited $rc: $out"

for u in "${units[@]}"; do
	n=${u##*/}
	# A service's programs are the build's (the copy was rewritten).
	if grep -q "^Exec" "$u" && grep "^Exec" "$u" | grep -q "$bindir/vpmemctl"; then
		fail "$n: ExecStart not rewritten: $(grep '^Exec' "$u")"
	fi
	# Its man pages exist in the source tree.
	for page in $(sed -n 's/^Documentation=//p' "$u"); do
		case "$page" in
		man:*\(*\))
			p=${page#man:}
			f="$mansrc/${p%(*}.${p##*(}"
			f=${f%)}.adoc
			[ -f "$f" ] || fail "$n: Documentation=$page has no $f"
			;;
		esac
	done
	echo "verified $n"
done

# Controls: the check complains about what it must catch.
svc=$(ls "$tmp"/*.service | head -1)
mkdir "$tmp/bad"
sed 's/^\[Service\]/[Service]\nExecStrat=x/' "$svc" > "$tmp/bad/${svc##*/}"
out=$(verify "$tmp/bad/${svc##*/}")
case "$out" in *"Unknown key 'ExecStrat'"*) ;; *) fail "control-unknown-key: verify said: $out" ;; esac
sed "s|^\(ExecStart=[-+!@:]*\)[^ ]*|\1$tmp/no-such-program|" "$svc" > "$tmp/bad/${svc##*/}"
out=$(verify "$tmp/bad/${svc##*/}")
rc=$?
[ $rc -ne 0 ] && [[ $out == *"is not executable"* ]] || fail "control-missing-program: verify exited $rc: $out"

[ $fails -eq 0 ] && echo "test-systemd-units: ${#units[@]} units verified"
exit $((fails > 0))
