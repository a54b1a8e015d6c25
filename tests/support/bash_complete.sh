#!/usr/bin/env bash
# What bash would offer for a command line, using a generated completion script (tests of --completion).
#   bash_complete.sh SCRIPT WORD... (the last word is the one being completed; "" for an empty one)
# Prints the candidates one per line; exit 3 when SCRIPT registers no completion for WORD 1.
set -u
script=$1
shift
# shellcheck disable=SC1090
source "$script"
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
spec=$(complete -p "${COMP_WORDS[0]}" 2>/dev/null) || exit 3
fn=$(sed -E 's/.*-F ([^ ]+).*/\1/' <<<"$spec")
COMPREPLY=()
"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
((${#COMPREPLY[@]} == 0)) || printf '%s\n' "${COMPREPLY[@]}"
