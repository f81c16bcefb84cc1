#!/usr/bin/env bash
# Translations: extract every marked string, merge it into each catalog, compile.
#
#   scripts/translations.sh all        extract + update + compile (run this after adding strings)
#   scripts/translations.sh extract    write deliberate/translations/messages.pot
#   scripts/translations.sh update     merge the .pot into each language's .po (init if missing)
#   scripts/translations.sh compile    write the .mo files the app loads (they are committed)
#
# Then translate the new or fuzzy entries in deliberate/translations/<lang>/LC_MESSAGES/messages.po,
# remove their "#, fuzzy" flags and run `compile` again. tests/web/test_translation.py fails while
# any extracted string is missing, empty or fuzzy in a catalog.
set -euo pipefail

cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
[ -x "$PYBABEL" ] || PYBABEL=pybabel
DIR=deliberate/translations
POT="$DIR/messages.pot"
# Every language but the source language (English); keep in step with LANGUAGES in config.py.
LOCALES="${LOCALES:-es}"
# The same keywords as tests/web/test_translation.py: gettext's defaults plus the lazy ones
# and N_ (marks a string that is translated later, where it is shown).
KEYWORDS=(-k _l -k lazy_gettext -k N_)

extract() {
    "$PYBABEL" extract -F "$DIR/babel.cfg" "${KEYWORDS[@]}" \
        --project=Deliberate --copyright-holder="Deliberate contributors" \
        --sort-by-file -o "$POT" .
}

update() {
    for lang in $LOCALES; do
        if [ -f "$DIR/$lang/LC_MESSAGES/messages.po" ]; then
            "$PYBABEL" update -i "$POT" -d "$DIR" -l "$lang" --previous
        else
            "$PYBABEL" init -i "$POT" -d "$DIR" -l "$lang"
        fi
    done
}

compile() {
    "$PYBABEL" compile -d "$DIR" --statistics
}

case "${1:-all}" in
    extract) extract ;;
    update) update ;;
    compile) compile ;;
    all) extract && update && compile ;;
    *)
        echo "usage: $0 [all|extract|update|compile]" >&2
        exit 2
        ;;
esac
