#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks the Flatpak manifest without building it (no runtime here).

usage: check-flatpak-manifest.py MANIFEST APP_ID SOURCE_ROOT

Checks that the manifest is JSON with the keys flatpak-builder needs, that its
id is APP_ID, that every downloaded source is pinned (sha256 or commit), that
local sources exist, and that its command is an executable the project builds.
"""

import json
import os
import re
import sys

HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX40 = re.compile(r"^[0-9a-f]{40}$")
# Archives and single files are pinned by content; git sources by commit.
DOWNLOADED = {"archive", "file"}
LOCAL = {"dir", "patch", "script", "shell", "inline"}
FINISH_ARGS = ["--share=network", "--socket=wayland", "--socket=fallback-x11"]


def executables(root):
    """Names passed to executable() in the project's meson.build files."""
    names = set()
    pattern = re.compile(r"\bexecutable\s*\(\s*'([^']+)'")
    for directory, subdirs, files in os.walk(root):
        # Skip hidden folders and build directories (they hold copies).
        subdirs[:] = [d for d in subdirs if not d.startswith((".", "_"))
                      and not os.path.isdir(os.path.join(directory, d, "meson-private"))]
        if "meson.build" in files:
            with open(os.path.join(directory, "meson.build"), encoding="utf-8") as f:
                names.update(pattern.findall(f.read()))
    return names


def check_source(module, index, source, manifest_dir, problems):
    where = f"module {module!r} source {index}"
    if not isinstance(source, dict):
        # A string names a JSON file of more sources; it must exist.
        if isinstance(source, str) and os.path.isfile(os.path.join(manifest_dir, source)):
            return
        problems.append(f"{where}: not an object or an existing file name")
        return
    kind = source.get("type")
    if kind in DOWNLOADED:
        if not source.get("url") and not source.get("path"):
            problems.append(f"{where}: {kind} without url or path")
        if source.get("url") and not HEX64.match(str(source.get("sha256", ""))):
            problems.append(f"{where}: downloaded {kind} needs a sha256 of 64 hex digits")
    elif kind == "git":
        if not source.get("url"):
            problems.append(f"{where}: git without url")
        if not HEX40.match(str(source.get("commit", ""))):
            problems.append(f"{where}: git needs a commit of 40 hex digits")
    elif kind in LOCAL:
        path = source.get("path")
        if path is not None and not os.path.exists(os.path.join(manifest_dir, path)):
            problems.append(f"{where}: {kind} path {path!r} does not exist")
    else:
        problems.append(f"{where}: unknown or missing type {kind!r}")


def check(manifest_path, app_id, root):
    problems = []
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        return [f"cannot read {manifest_path}: {error}"]
    if not isinstance(manifest, dict):
        return ["the manifest is not a JSON object"]

    manifest_id = manifest.get("id", manifest.get("app-id"))
    if manifest_id != app_id:
        problems.append(f"id is {manifest_id!r}, the project's app id is {app_id!r}")
    if os.path.basename(manifest_path) != f"{app_id}.json":
        problems.append(f"the file should be named {app_id}.json")
    for key in ("runtime", "runtime-version", "sdk", "command", "modules"):
        if key not in manifest:
            problems.append(f"missing key {key!r}")
    if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
        problems.append("runtime and sdk should be org.gnome.Platform and org.gnome.Sdk")
    if not isinstance(manifest.get("runtime-version"), str):
        problems.append("runtime-version must be a string, e.g. \"51\"")

    finish_args = manifest.get("finish-args", [])
    for arg in FINISH_ARGS:
        if arg not in finish_args:
            problems.append(f"finish-args lacks {arg}")
    if len(set(finish_args)) != len(finish_args):
        problems.append("finish-args has duplicates")

    command = manifest.get("command")
    built = executables(root)
    if command not in built:
        problems.append(f"command {command!r} is not an executable the project builds "
                        f"(found: {', '.join(sorted(built)) or 'none'})")

    manifest_dir = os.path.dirname(os.path.abspath(manifest_path))
    modules = manifest.get("modules")
    if not isinstance(modules, list) or not modules:
        problems.append("modules must be a non-empty list")
        modules = []
    names = []
    for module in modules:
        if isinstance(module, str):
            # A path to a module file, resolved by flatpak-builder.
            if not os.path.isfile(os.path.join(manifest_dir, module)):
                problems.append(f"module file {module!r} does not exist")
            continue
        name = module.get("name")
        names.append(name)
        if not name:
            problems.append("a module has no name")
        sources = module.get("sources")
        if not isinstance(sources, list) or not sources:
            problems.append(f"module {name!r} has no sources")
            continue
        for index, source in enumerate(sources):
            check_source(name, index, source, manifest_dir, problems)
    if len(set(names)) != len(names):
        problems.append("module names are not unique")

    # The project itself comes last, built from this checkout.
    if modules and isinstance(modules[-1], dict):
        last = modules[-1]
        project_dir = [s.get("path") for s in last.get("sources", [])
                       if isinstance(s, dict) and s.get("type") == "dir"]
        if last.get("buildsystem") != "meson" or not project_dir or \
                os.path.realpath(os.path.join(manifest_dir, project_dir[0])) != os.path.realpath(root):
            problems.append("the last module should build this checkout with meson (type dir)")
    return problems


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    problems = check(argv[1], argv[2], argv[3])
    for problem in problems:
        print(f"{argv[1]}: {problem}")
    if not problems:
        print(f"{argv[1]}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
