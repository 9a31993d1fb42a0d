#!/usr/bin/env python3
"""Word count: an example dda-runner handler (operation code 777), standard library only.

The handler contract, in short:
  stdin   the task's params as JSON, e.g. {"text": "a b a", "top": 10}
  stdout  the result as JSON and nothing else: {"words": 3, "top": [["a", 2], ["b", 1]]}
  stderr  diagnostics; when the handler fails, the tail of stderr becomes the task's error
  fd 3    progress, one JSON line at a time: {"progress": 42, "message": "counted 3,000 of 7,000 lines"}
          (not open when you run the handler by hand: then progress goes nowhere)
  exit    0 = completed, anything else = failed

Words are runs of letters and digits (an apostrophe inside a word, as in "don't", belongs to
it), counted in lower case: "The" and "the" are one word.

Try it by hand:
  echo '{"text":"a b a"}' | python3 examples/handlers/wordcount.py
  echo '{"text":"a b a"}' | python3 examples/handlers/wordcount.py 3>&2     # progress on the terminal

WORDCOUNT_LINE_DELAY (seconds, e.g. 0.001) makes it sleep after every line: only to watch
progress on a small text. Leave it unset for real work.
"""

import collections
import json
import os
import re
import sys
import time

WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
PROGRESS_EVERY_SECONDS = 0.5


def fail(message):
    """Say why on stderr and exit non-zero: the runner reports the task as failed with it."""
    print(f"wordcount: {message}", file=sys.stderr)
    sys.exit(2)


class Progress:
    """Progress lines on file descriptor 3, at most one every PROGRESS_EVERY_SECONDS."""

    def __init__(self):
        try:
            self.out = os.fdopen(3, "w", encoding="utf-8")
        except OSError:  # fd 3 is not open: run by hand, progress goes nowhere
            self.out = None
        self.last = time.monotonic()  # the first line after PROGRESS_EVERY_SECONDS

    def report(self, percent, message, force=False):
        now = time.monotonic()
        if self.out is None or (not force and now - self.last < PROGRESS_EVERY_SECONDS):
            return
        self.last = now
        try:
            self.out.write(json.dumps({"progress": percent, "message": message}) + "\n")
            self.out.flush()  # the runner only sees what is flushed
        except OSError:  # the reader went away: progress is a courtesy, never a failure
            self.out = None


def json_type(value):
    """The JSON name of a parsed value's type, as the runner's messages use it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(value)]


def read_params():
    raw = sys.stdin.buffer.read()  # bytes, decoded as UTF-8 whatever the locale
    if not raw.strip():
        return {}
    try:
        params = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        fail(f"params are not valid JSON: {error}")
    if not isinstance(params, dict):
        fail(f"params must be an object, not {json_type(params)}")
    return params


def main():
    params = read_params()
    # The runner has already checked params against the [[handler]]'s params_schema and
    # filled in top's default; these checks are for runs by hand and say the same.
    if "text" not in params:
        fail("params.text is required")
    text = params["text"]
    if not isinstance(text, str):
        fail(f"params.text must be a string, not {json_type(text)}")
    top = params.get("top", 10)
    if isinstance(top, bool) or not isinstance(top, int):
        fail(f"params.top must be an integer, not {json_type(top)}")
    if not 1 <= top <= 100:
        fail("params.top must be an integer from 1 to 100")

    task = os.environ.get("DDA_TASK_ID", "(by hand)")
    attempt = os.environ.get("DDA_ATTEMPT", "-")
    try:
        delay = float(os.environ.get("WORDCOUNT_LINE_DELAY") or 0)
    except ValueError:
        fail("WORDCOUNT_LINE_DELAY must be a number of seconds")

    lines = text.splitlines()
    print(f"wordcount: task {task}, attempt {attempt}: {len(lines):,} lines", file=sys.stderr)

    progress = Progress()
    counts = collections.Counter()
    for done, line in enumerate(lines, start=1):
        counts.update(word.lower().replace("\u2019", "'") for word in WORD.findall(line))
        progress.report(done * 100 // len(lines), f"counted {done:,} of {len(lines):,} lines")
        if delay:
            time.sleep(delay)
    progress.report(100, f"counted {len(lines):,} of {len(lines):,} lines", force=True)

    # Most frequent first; equal counts in alphabetical order, so the result is repeatable.
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    result = {"words": sum(counts.values()), "top": [[word, count] for word, count in ranked]}
    sys.stdout.buffer.write(json.dumps(result, ensure_ascii=False).encode("utf-8") + b"\n")


if __name__ == "__main__":
    main()
