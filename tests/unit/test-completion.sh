#!/bin/bash
# The bash completion (completion/vpmemctl) with the real vpmemctl: commands
# from --list-cmds, options from each command's --help, fixed words.
# usage: test-completion.sh COMPLETION_FILE VPMEMCTL
set -u
. "$1"
vpmemctl=$2
fails=0

complete_words() { # complete_words WORD...: COMPREPLY for the last word
	COMP_WORDS=("$vpmemctl" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_vpmemctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

want() { # want NAME GOT WANT
	if [ "$2" != "$3" ]; then
		echo "FAIL $1: got '$2', want '$3'"
		fails=$((fails + 1))
	fi
}
has() { # has NAME GOT WORD
	case " $2 " in *" $3 "*) ;; *) echo "FAIL $1: '$3' not in '$2'"; fails=$((fails + 1)) ;; esac
}

all=$("$vpmemctl" --list-cmds | sort | tr '\n' ' ')
want commands "$(complete_words '')" "$all"
want command-prefix "$(complete_words ch)" "check "
want global-options "$(complete_words --l)" "--list-cmds --log "
want log-levels "$(complete_words --log '')" "debug err info "
want after-log "$(complete_words --log debug ch)" "check "
want help-commands "$(complete_words help '')" "$all"
for c in $("$vpmemctl" --list-cmds); do
	[ "$c" = help ] || [ "$c" = version ] && continue
	has "$c-help-option" "$(complete_words "$c" --)" --help
done
has check-json "$(complete_words check --)" --json
has check-strict "$(complete_words check --)" --strict
has list-json "$(complete_words list --)" --json
want list-modes "$(complete_words list -m '')" "devdax fsdax raw sector "
tmp=$(mktemp -d)
touch "$tmp/file-one"
has check-files "$(complete_words check "$tmp/file-")" "$tmp/file-one"
mkdir "$tmp/dir-one"
want metrics-output-dirs "$(complete_words metrics --output "$tmp/")" "$tmp/dir-one "
has metrics-output-option "$(complete_words metrics --)" --output
rm -rf "$tmp"

[ $fails -eq 0 ] && echo "test-completion: all passed"
exit $((fails > 0))
