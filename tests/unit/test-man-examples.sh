#!/bin/sh
# Every command shown in the EXAMPLES of a vpmemctl man page is run, word
# for word, by a guest case: the examples cannot drift from what works.
# usage: test-man-examples.sh MAN_DIR CASES_DIR
man=$1
cases=$2
fails=0
n=0
for page in "$man"/vpmemctl*.1.adoc; do
	# The lines of the ---- blocks after "== EXAMPLES", up to the next section.
	awk '/^== EXAMPLES/ { ex = 1; next } /^== / { ex = 0 } ex && /^----$/ { blk = !blk; next }
	     ex && blk && NF' "$page" > /tmp/man-examples.$$
	while IFS= read -r line; do
		n=$((n + 1))
		if ! grep -rqF -- "$line" "$cases"; then
			echo "FAIL $(basename "$page"): no guest case runs: $line"
			fails=$((fails + 1))
		fi
	done < /tmp/man-examples.$$
done
rm -f /tmp/man-examples.$$
[ "$n" -gt 0 ] || { echo "FAIL no examples found in $man"; fails=$((fails + 1)); }
[ $fails -eq 0 ] && echo "test-man-examples: $n example lines, each run by a guest case"
exit $((fails > 0))
