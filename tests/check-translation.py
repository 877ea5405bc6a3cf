#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fails when a translation is incomplete.

  check-translation.py PO...
      msgfmt --check must pass on each PO file and count no fuzzy and no
      untranslated message.

  check-translation.py --sources SRCDIR PO...
      The same, against the strings the sources have now: po/POTFILES.in must
      list every file under src/ and data/ that marks strings, and each PO file,
      merged with a template extracted afresh, must still be complete. This is
      what catches a new or changed English string nobody translated yet.

Exit status 0 passes, 1 fails, 77 skips (the gettext tools are missing).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# What marks a string for translation in C and in GtkBuilder files.
MARKERS = re.compile(r'\b(?:_|N_|C_|NC_|ngettext|g_dngettext|g_dgettext|g_dpgettext2)\s*\(|'
                     r'translatable="yes"')
# The desktop and metainfo templates are translated whole by their ITS rules.
ALWAYS_TRANSLATED = re.compile(r'\.(desktop|metainfo\.xml|appdata\.xml)\.in$')

# The keywords of meson's i18n.gettext(preset: 'glib'), so the template made
# here holds the same messages as `ninja handshake-pot`.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_printf:1:c-format', '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
]

STATS = re.compile(r'(\d+) (translated|fuzzy|untranslated) (?:message|translation)')


def tool_env():
    # msgfmt's statistics are translated too; they are parsed in English.
    env = dict(os.environ)
    env.pop('LANGUAGE', None)
    env['LC_ALL'] = 'C'
    return env


def run(argv):
    return subprocess.run(argv, capture_output=True, text=True, env=tool_env())


def statistics(po):
    """Returns (ok, {'translated': n, 'fuzzy': n, 'untranslated': n}, stderr)."""
    proc = run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po])
    counts = {'translated': 0, 'fuzzy': 0, 'untranslated': 0}
    for number, kind in STATS.findall(proc.stderr):
        counts[kind] = int(number)
    return proc.returncode == 0, counts, proc.stderr.strip()


def list_messages(po, flag):
    proc = run(['msgattrib', flag, '--no-obsolete', '--no-wrap', '--no-location', po])
    return [m for m in re.findall(r'^msgid "(.*)"$', proc.stdout, re.M) if m]


def check_po(po, label):
    ok, counts, stderr = statistics(po)
    print(f'{label}: {stderr}')
    failed = False
    if not ok:
        print(f'FAIL: msgfmt --check rejects {label}')
        failed = True
    if counts['translated'] == 0:
        print(f'FAIL: {label} translates nothing (or msgfmt printed no statistics)')
        failed = True
    for kind, flag in (('fuzzy', '--only-fuzzy'), ('untranslated', '--untranslated')):
        if counts[kind] > 0:
            failed = True
            print(f'FAIL: {label} has {counts[kind]} {kind} message(s):')
            for msgid in list_messages(po, flag)[:20]:
                print(f'  "{msgid}"')
    return not failed


def potfiles(srcdir):
    with open(os.path.join(srcdir, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip() and not line.startswith('#')]


def check_potfiles(srcdir, listed):
    failed = False
    if listed != sorted(listed):
        print('FAIL: po/POTFILES.in is not sorted')
        failed = True
    for path in listed:
        if not os.path.isfile(os.path.join(srcdir, path)):
            print(f'FAIL: po/POTFILES.in lists {path}, which does not exist')
            failed = True
    for top in ('src', 'data'):
        for root, _, files in os.walk(os.path.join(srcdir, top)):
            for name in files:
                path = os.path.relpath(os.path.join(root, name), srcdir)
                if not re.search(r'\.(c|h|ui|in)$', name) or path in listed:
                    continue
                with open(os.path.join(srcdir, path), encoding='utf-8', errors='replace') as f:
                    text = f.read()
                if ALWAYS_TRANSLATED.search(name) or MARKERS.search(text):
                    print(f'FAIL: {path} marks strings for translation but is not in '
                          'po/POTFILES.in')
                    failed = True
    return not failed


def check_sources(srcdir, pos, tmp):
    listed = potfiles(srcdir)
    ok = check_potfiles(srcdir, listed)

    pot = os.path.join(tmp, 'fresh.pot')
    proc = run(['xgettext', *XGETTEXT_ARGS, '--directory', srcdir, '--output', pot, *listed])
    if proc.returncode != 0:
        print(proc.stderr)
        print('FAIL: xgettext could not extract the messages')
        return False
    for po in pos:
        merged = os.path.join(tmp, os.path.basename(po))
        proc = run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--output-file', merged, po,
                    pot])
        if proc.returncode != 0:
            print(proc.stderr)
            print(f'FAIL: msgmerge could not merge {po}')
            ok = False
            continue
        label = f'{os.path.relpath(po, srcdir)} against the sources'
        if not check_po(merged, label):
            print('Run `ninja -C BUILDDIR handshake-pot`, then `msgmerge --update po/LANG.po '
                  'po/handshake.pot`, and translate what is missing.')
            ok = False
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--sources', metavar='SRCDIR')
    parser.add_argument('po', nargs='+')
    args = parser.parse_args()

    needed = ['msgfmt', 'msgattrib'] + (['xgettext', 'msgmerge'] if args.sources else [])
    missing = [t for t in needed if shutil.which(t) is None]
    if missing:
        print(f'skip: {", ".join(missing)} not found (Debian package gettext)')
        return 77

    ok = True
    for po in args.po:
        ok = check_po(po, po) and ok
    if args.sources:
        with tempfile.TemporaryDirectory(prefix='check-translation-') as tmp:
            ok = check_sources(args.sources, args.po, tmp) and ok
    print('PASS' if ok else 'FAILED')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
