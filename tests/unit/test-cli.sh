#!/bin/sh
# vpmemctl's command table, global options and exit statuses.
# usage: test-cli.sh VPMEMCTL VERSION
vpmemctl=$1
version=$2
fails=0

expect() { # expect NAME WANT_RC CMD...
	name=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: '$*' exited $rc, expected $want: $out"
		fails=$((fails + 1))
	fi
	last_out=$out
}

expect help 0 "$vpmemctl" --help
echo "$last_out" | grep -q '^  version ' || { echo "FAIL help lists version"; fails=$((fails + 1)); }
expect help-cmd 0 "$vpmemctl" help
expect version 0 "$vpmemctl" version
[ "$last_out" = "vpmemctl $version (libpmemflush $version)" ] ||
	{ echo "FAIL version text: $last_out"; fails=$((fails + 1)); }
expect version-opt 0 "$vpmemctl" --version
expect no-command 2 "$vpmemctl"
expect unknown-command 2 "$vpmemctl" frobnicate
echo "$last_out" | grep -q "unknown command 'frobnicate'" ||
	{ echo "FAIL unknown command message: $last_out"; fails=$((fails + 1)); }
expect unknown-option 2 "$vpmemctl" --bogus
expect bad-log-level 2 "$vpmemctl" --log loud version
expect log-level 0 "$vpmemctl" --log debug version
expect version-extra-arg 2 "$vpmemctl" version extra

[ $fails -eq 0 ] && echo "test-cli: all passed"
exit $((fails > 0))
