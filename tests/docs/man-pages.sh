#!/usr/bin/env bash
# The manual pages that tools/docgen generates (build/doc/man):
# - man --warnings (groff's warnings, on stderr) has nothing to say about any page, rendered the
#   way lintian renders them, and lexgrog finds each page's whatis line;
# - ykunlock(1) has every verb that `ykunlock --help` lists, each in its own subsection with
#   every option that `ykunlock VERB --help` lists, and every global option and exit code of
#   --help (the lists come from the program, not from a copy here);
# - the pieces copied from docs/*.md are there: the stock-tools recipe of docs/token-format.md
#   in ykunlock-token(5), every field and option of docs/plug-in.md in ykunlock-vaults(5).
#   man-pages.sh YKUNLOCK DOC_DIR SOURCE_DIR TOKENS_DIR
set -uo pipefail
ykunlock=$1 man_dir=$2/man src=$3 tokens_dir=$4
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pages=(ykunlock.1 ykunlock-token.5 ykunlock-vaults.5)
for p in "${pages[@]}"; do
  f=$man_dir/$p
  [ -s "$f" ] || { fail "$f was not generated"; continue; }
  # lintian's command and width (120), and a terminal's (80)
  for w in 120 80; do
    LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=$w man --warnings -E UTF-8 -l -Tutf8 -Z "$f" >/dev/null 2>"$tmp/warn"
    [ -s "$tmp/warn" ] && fail "man --warnings on $p, $w columns: $(cat "$tmp/warn")" ||
      pass "man --warnings: nothing on $p, $w columns"
  done
  lexgrog "$f" >/dev/null 2>&1 && pass "lexgrog finds the whatis line of $p" || fail "lexgrog: $(lexgrog "$f" 2>&1)"
  # Wide enough that no tag or example line wraps; formatting is dropped on a pipe.
  LC_ALL=C.UTF-8 MANWIDTH=250 man -l "$f" 2>/dev/null | col -bx >"$tmp/$p.txt"
done

# in_part FILE START_LINE TEXT: TEXT opens a line (a .TP tag: alone or followed by a blank) in
# the part of FILE that begins at the line START_LINE (exactly: "OPTIONS", "   ykunlock list
# DEVICE [OPTIONS]" for a subsection) and ends at the next heading of the same or a higher level.
in_part() {
  awk -v start="$2" -v text="$3" '
    function trim(s) { sub(/^ +/, "", s); sub(/ +$/, "", s); return s }
    !on && $0 == start { on = 1; level = match($0, /[^ ]/); next }
    on && /[^ ]/ && match($0, /[^ ]/) <= level { exit }
    on { t = trim($0); if (t == text || index(t, text " ") == 1) { found = 1; exit } }
    END { exit !found }' "$1"
}

# ---- ykunlock(1) against the program's own help ----
# The option column of --help (src/cli/help.c: "  %-30s %s"), blanks trimmed.
column='function column(s) { s = substr(s, 3, 30); sub(/^ +/, "", s); sub(/ +$/, "", s); return s } '
page=$tmp/ykunlock.1.txt
"$ykunlock" --help >"$tmp/help" || fail "ykunlock --help failed"
# "  ykunlock open DEVICE [NAME] [OPTIONS]": the usage line; the verb is the words before its
# arguments (a word with a capital, a bracket or a bar).
mapfile -t usages < <(sed -n 's/^  \(ykunlock .* \[OPTIONS\]\)$/\1/p' "$tmp/help")
[ "${#usages[@]}" -ge 10 ] || fail "only ${#usages[@]} verbs in ykunlock --help"
for usage in "${usages[@]}"; do
  verb=$(awk '{ for (i = 2; i <= NF && $i !~ /[A-Z[|]/; i++) printf "%s%s", (i > 2 ? " " : ""), $i }' <<<"$usage")
  # shellcheck disable=SC2086 # the verb's words
  "$ykunlock" $verb --help >"$tmp/vhelp" || fail "ykunlock $verb --help failed"
  in_part "$page" SYNOPSIS "$usage" || fail "ykunlock(1) SYNOPSIS lacks '$usage'"
  grep -qxF "   $usage" "$page" || { fail "ykunlock(1) has no subsection '$usage'"; continue; }
  mapfile -t opts < <(awk "$column"'/^Options:$/ { on = 1; next } on && /^$/ { exit }
    on { print column($0) }' "$tmp/vhelp")
  missing=0
  for o in "${opts[@]}"; do
    in_part "$page" "   $usage" "$o" || { fail "ykunlock(1): '$o' is not under '$usage'"; missing=1; }
  done
  [ "$missing" = 0 ] && pass "ykunlock(1): $verb with its ${#opts[@]} options"
done

mapfile -t globals < <(awk "$column"'/^Global options/ { on = 1; next } on && /^$/ { exit }
  on { print column($0) }' "$tmp/help")
[ "${#globals[@]}" -ge 5 ] || fail "only ${#globals[@]} global options in ykunlock --help"
missing=0
for o in "${globals[@]}"; do
  in_part "$page" "OPTIONS" "$o" || { fail "ykunlock(1) OPTIONS lacks '$o'"; missing=1; }
done
[ "$missing" = 0 ] && pass "ykunlock(1) OPTIONS: the ${#globals[@]} global options"

reserved=$(sed -n 's/^Reserved for later releases[^:]*: //p' "$tmp/help")
IFS=',' read -ra names <<<"$reserved"
for n in "${names[@]}"; do
  n=${n# }
  grep -qF "$n" "$page" || fail "ykunlock(1) does not name the reserved verb '$n'"
done
[ -z "$reserved" ] || pass "ykunlock(1) names the reserved verbs: $reserved"

mapfile -t codes < <(awk '/^Exit status:$/ { on = 1; next } on && match($0, /^ +[0-9]+(\+n)?  /) {
  s = substr($0, 1, RLENGTH); gsub(/ /, "", s); print s }' "$tmp/help")
[ "${#codes[@]}" -ge 13 ] || fail "only ${#codes[@]} exit codes in ykunlock --help"
missing=0
for c in "${codes[@]}"; do
  in_part "$page" "EXIT STATUS" "$c" || { fail "ykunlock(1) EXIT STATUS lacks $c"; missing=1; }
done
[ "$missing" = 0 ] && pass "ykunlock(1) EXIT STATUS: the ${#codes[@]} codes of --help"

for f in /etc/ykunlock/vaults "$tokens_dir/libcryptsetup-token-ykunlock.so"; do
  in_part "$page" "FILES" "$f" || fail "ykunlock(1) FILES lacks $f"
done
for s in ENVIRONMENT "SEE ALSO"; do
  grep -qx "$s" "$page" || fail "ykunlock(1) has no $s section"
done

# ---- what the 5 pages copy from docs/ ----
# The lines of the first fenced block after the Markdown heading $2 of file $1.
md_block() {
  awk -v h="$2" 'index($0, h) == 1 { on = 1; next } on && /^```/ { if (in_code) exit; in_code = 1; next }
    in_code' "$1"
}
sed 's/^ *//; s/ *$//' "$tmp/ykunlock-token.5.txt" >"$tmp/token.trimmed"
missing=0 n=0
while IFS= read -r line; do
  line=$(sed 's/^ *//; s/ *$//' <<<"$line")
  [ -n "$line" ] || continue
  n=$((n + 1))
  grep -qxF -- "$line" "$tmp/token.trimmed" || { fail "ykunlock-token(5) lacks the recipe line: $line"; missing=1; }
done < <(md_block "$src/docs/token-format.md" "## Emergency unlock with stock tools")
[ "$n" -ge 10 ] || fail "only $n lines in the recipe of docs/token-format.md"
[ "$missing" = 0 ] && pass "ykunlock-token(5): the $n lines of the stock-tools recipe, as in docs/token-format.md"

# The first cell of every row of the tables under "## The file" (the header rows aside).
mapfile -t cells < <(awk '/^## / { on = index($0, "## The file") == 1; next }
  on && /^\|/ {
    if (!prev) { prev = 1; next }
    cell = $0; gsub(/\\\|/, "\001", cell); sub(/^\| */, "", cell); sub(/ *\|.*/, "", cell)
    gsub(/\001/, "|", cell); gsub(/`/, "", cell)
    if (cell !~ /^[-: ]+$/) print cell
    next
  }
  { prev = 0 }' "$src/docs/plug-in.md")
[ "${#cells[@]}" -ge 8 ] || fail "only ${#cells[@]} fields and options found in docs/plug-in.md"
missing=0
for c in "${cells[@]}"; do
  in_part "$tmp/ykunlock-vaults.5.txt" "DESCRIPTION" "$c" ||
    { fail "ykunlock-vaults(5) lacks '$c' of docs/plug-in.md"; missing=1; }
done
[ "$missing" = 0 ] && pass "ykunlock-vaults(5): the ${#cells[@]} fields and options of docs/plug-in.md"

exit $((fails > 0))
