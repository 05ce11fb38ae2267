# bash completion for fwpack (installed as
# share/bash-completion/completions/fwpack).
#
# Nothing is listed here: the commands come from `fwpack --help` and each
# command's options, and the values of options such as --codec none|deflate
# from `fwpack COMMAND --help`, the MCU ids from `fwpack mcus`, asked of the
# fwpack being completed.  So completion always matches that binary (and
# the user's profile files).

# "OPTION VALUE" lines (VALUE "-" when the option takes none) from the help
# text of command $2 of binary $1.
_fwpack_options()
{
    "$1" "$2" --help 2>/dev/null | awk '
        function opt(o, v) { if (!(o in val) || v ~ /[|]/) val[o] = v }
        # usage lines: value lists such as [--format pem|c|raw]
        /^usage:|^       fwpack / {
            s = $0
            while (match(s, /--[a-z0-9-]+ [a-z0-9-]+([|][a-z0-9-]+)+/)) {
                m = substr(s, RSTART, RLENGTH)
                sp = index(m, " ")
                opt(substr(m, 1, sp - 1), substr(m, sp + 1))
                s = substr(s, RSTART + RLENGTH)
            }
            next
        }
        # option table lines: "  -o, --output FILE     description"
        /^  +(-[a-zA-Z], )?--[a-z]/ || /^  +-[a-zA-Z] / {
            s = $0
            sub(/^ +/, "", s)
            d = index(s, "  ")          # the description starts after 2 blanks
            if (d) s = substr(s, 1, d - 1)
            gsub(/,/, " ", s)
            n = split(s, w, / +/)
            shorts = ""
            for (i = 1; i <= n; i++) {
                if (w[i] !~ /^-/) continue
                v = (i < n && w[i + 1] !~ /^-/) ? w[i + 1] : "-"
                if (w[i] ~ /^-[a-zA-Z]$/ && v == "-") { shorts = shorts " " w[i]; continue }
                opt(w[i], v)
                k = split(shorts, sh, " ")
                for (j = 1; j <= k; j++) alias[sh[j]] = w[i]
                shorts = ""
            }
            next
        }
        END {
            for (o in alias) val[o] = val[alias[o]]   # -f is --format
            for (o in val) print o, val[o]
        }'
}

_fwpack()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local fw=${COMP_WORDS[0]} cmd="" i
    # the command: the first word after the program that is not an option
    for ((i = 1; i < COMP_CWORD; i++)); do
        if [[ ${COMP_WORDS[i]} != -* ]]; then
            cmd=${COMP_WORDS[i]}
            break
        fi
    done
    COMPREPLY=()
    if [[ -z $cmd ]]; then
        local cmds
        cmds=$("$fw" --help 2>/dev/null |
               sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return
    fi

    local table line opts="" value="" mcus
    table=$(_fwpack_options "$fw" "$cmd")
    while read -r line; do
        local o=${line%% *} v=${line#* }
        opts="$opts $o"
        [[ $o == "$prev" ]] && value=$v
    done <<<"$table"

    # the value of the option before the cursor
    if [[ -n $value && $value != - ]]; then
        if [[ $value == *'|'* || $value =~ ^[0-9]+-[0-9]+$ ]]; then
            local words="" w
            for w in ${value//|/ }; do
                if [[ $w =~ ^([0-9]+)-([0-9]+)$ ]]; then
                    words="$words $(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")"
                else
                    words="$words $w"
                fi
            done
            COMPREPLY=($(compgen -W "$words" -- "$cur"))
        elif [[ $prev == --mcu ]]; then
            # the ids: the first column of fwpack mcus
            mcus=$("$fw" mcus 2>/dev/null | awk 'NR > 1 { print $1 }')
            COMPREPLY=($(compgen -W "$mcus" -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _fwpack fwpack
