#!/usr/bin/env python3
"""Files and functions of src/ over the sizes issue 25 set (about 600 lines a file, 80 a
function), and whether each long function's doc comment says why ("Over 80 lines: ...").

    python3 scripts/sizes.py            # the long ones, and the exit status 1 if one lacks a reason
    python3 scripts/sizes.py --top 10   # also the ten longest functions

A function is counted from its `fn` line to its closing brace (string literals and line
comments ignored). Standard library only.
"""

import argparse
import os
import re
import sys

FILE_LIMIT = 600
FUNCTION_LIMIT = 80
FN = re.compile(r"\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def functions(lines):
    """(first line index, length in lines, name) of every function with a body."""
    found = []
    for start, line in enumerate(lines):
        match = FN.match(line)
        if not match:
            continue
        depth, opened = 0, False
        for end in range(start, len(lines)):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', lines[end])
            code = re.sub(r"//.*", "", code)
            for char in code:
                if char == "{":
                    depth, opened = depth + 1, True
                elif char == "}":
                    depth -= 1
            if opened and depth <= 0:
                found.append((start, end - start + 1, match.group(6)))
                break
            if not opened and code.rstrip().endswith(";"):
                break
    return found


def reason_above(lines, start):
    """The doc comment above line `start` says why the function is long."""
    index = start - 1
    while index >= 0 and lines[index].strip().startswith(("///", "#[")):
        if "over 80" in lines[index].lower():
            return True
        index -= 1
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", "src"))
    parser.add_argument("--top", type=int, default=0, help="also list the N longest functions")
    args = parser.parse_args()

    long_files, long_functions, every_function = [], [], []
    for folder, _, names in os.walk(args.src):
        for name in sorted(names):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(folder, name)
            shown = os.path.relpath(path, os.path.join(args.src, ".."))
            with open(path, encoding="utf-8") as source:
                lines = source.read().split("\n")
            if len(lines) - 1 > FILE_LIMIT:
                long_files.append((len(lines) - 1, shown))
            for start, length, fn_name in functions(lines):
                every_function.append((length, f"{shown}:{start + 1}", fn_name))
                if length > FUNCTION_LIMIT:
                    long_functions.append((length, f"{shown}:{start + 1}", fn_name,
                                           reason_above(lines, start)))

    print(f"files over {FILE_LIMIT} lines: {len(long_files)}")
    for length, path in sorted(long_files, reverse=True):
        print(f"  {length:5}  {path}")
    print(f"functions over {FUNCTION_LIMIT} lines: {len(long_functions)}")
    for length, where, name, reason in sorted(long_functions, reverse=True):
        note = "says why" if reason else "NO REASON GIVEN"
        print(f"  {length:5}  {name}  {where}  ({note})")
    if args.top:
        print(f"the {args.top} longest functions:")
        for length, where, name in sorted(every_function, reverse=True)[: args.top]:
            print(f"  {length:5}  {name}  {where}")
    return 1 if any(not reason for *_, reason in long_functions) else 0


if __name__ == "__main__":
    sys.exit(main())
