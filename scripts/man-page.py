#!/usr/bin/env python3
"""Writes a man(7) page for a DDA binary from its own help (`--experimental-dump-help`, the
swift-argument-parser description that `--help` is printed from), so the page cannot drift
from the program. Usage: man-page.py BINARY VERSION DATE > NAME.1

swift-argument-parser's own generate-manual drops every non-ASCII character ("1…1024" became
"11024") and leaves blank lines that groff warns about; this keeps the text as UTF-8 (man-db
runs preconv), turns blank lines into paragraphs and indented lines into literal blocks.
"""
import json
import subprocess
import sys


def escape(text):
    """Text safe for a roff line: backslashes, leading control characters, hyphens in words."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def prose(text):
    """A help text: blank lines start paragraphs; indented lines are kept as written."""
    out = []
    literal = False
    for line in text.split("\n"):
        indented = line.startswith("  ")
        if literal and not indented:
            out += [".RE", ".fi"]
            literal = False
        if not line.strip():
            out.append(".PP")
        elif indented and not literal:
            out += [".nf", ".RS 2", escape(line[2:])]
            literal = True
        else:
            out.append(escape(line[2:] if literal else line))
    if literal:
        out += [".RE", ".fi"]
    while out and out[0] == ".PP":
        out.pop(0)
    return out


def option_heading(argument):
    names = []
    for name in argument.get("names", []):
        dashes = "\\-" if name["kind"] == "short" else "\\-\\-"
        names.append("\\fB" + dashes + escape(name["name"]) + "\\fR")
    heading = ", ".join(names)
    value = argument.get("valueName")
    if argument["kind"] == "option" and value:
        heading += " \\fI" + escape(value) + "\\fR"
    elif argument["kind"] == "positional":
        heading = "\\fI" + escape(value or "argument") + "\\fR"
    if argument.get("isRepeating"):
        heading += " ..."
    return heading


def options(arguments):
    out = []
    for argument in arguments:
        if not argument.get("shouldDisplay", True):
            continue
        out += [".TP", option_heading(argument)]
        text = argument.get("abstract", "")
        if "defaultValue" in argument:
            text += " (default: %s)" % argument["defaultValue"]
        out += prose(text)
        if argument.get("discussion"):
            out += [".IP"] + prose(argument["discussion"])
    return out


def synopsis(name, command, subcommands):
    parts = ["\\fB" + escape(name) + "\\fR"]
    if subcommands:
        parts.append("[\\fIsubcommand\\fR]")
    if command.get("arguments"):
        parts.append("[\\fIoptions\\fR]")
    return " ".join(parts)


def page(binary, version, date):
    dump = subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True)
    command = json.loads(dump.stdout)["command"]
    name = command["commandName"]
    subcommands = [s for s in command.get("subcommands", []) if s["commandName"] != "help"]
    lines = [
        '.TH "%s" "1" "%s" "DDA %s" "DDA"' % (name.upper(), date, version),
        ".SH NAME",
        "%s \\- %s" % (escape(name), escape(command.get("abstract", "").rstrip("."))),
        ".SH SYNOPSIS",
        synopsis(name, command, subcommands),
    ]
    if command.get("discussion"):
        lines += [".SH DESCRIPTION"] + prose(command["discussion"])
    if command.get("arguments"):
        lines += [".SH OPTIONS"] + options(command["arguments"])
    if subcommands:
        lines.append(".SH SUBCOMMANDS")
        for sub in subcommands:
            lines += [
                ".SS \\fB%s %s\\fR [\\fIoptions\\fR]" % (escape(name), escape(sub["commandName"])),
            ] + prose(sub.get("abstract", ""))
            if sub.get("discussion"):
                lines += [".PP"] + prose(sub["discussion"])
            lines += options(sub.get("arguments", []))
    lines += [
        ".SH SEE ALSO",
        "The README (installation, nginx, operations), installed with dda\\-server as",
        "/usr/share/doc/dda\\-server/README.md.gz;",
        "\\fB%s \\-\\-help\\fR." % escape(name),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: man-page.py BINARY VERSION DATE")
    sys.stdout.write(page(*sys.argv[1:]))
