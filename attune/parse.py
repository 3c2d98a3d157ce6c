"""`attune parse`: match sentences to intents, check them for a disclosure, and print JSON.

It joins the intent matcher and the routines' safety check, so it lives here rather than in
either package. It loads neither Flask nor audio code.
"""

from __future__ import annotations

import argparse
import json
import sys

from attune.flags import add_settings_flags, settings_from_args
from intents import INTENT_NAMES, IntentsDataError, Matcher
from intents.intent_set import IntentSet
from server.routines.safety import disclosure


def _expect(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def parse(args: argparse.Namespace) -> int:
    settings = settings_from_args(args).settings
    expect = _expect(args.expect)
    if args.intents:
        try:
            matcher = IntentSet.load(args.intents, settings.locale)
        except IntentsDataError as exc:
            print(f"attune parse: {exc}", file=sys.stderr)
            return 2
        known = matcher.intent_names
    else:
        matcher, known = None, INTENT_NAMES
    unknown = [name for name in expect or () if name not in known]
    if unknown:
        print(f"attune parse: unknown intent(s) in --expect: {', '.join(unknown)}", file=sys.stderr)
        return 2
    if matcher is None:
        matcher = Matcher.load(settings.locale,
                               extra_lists={"partner": settings.partners, "ritual": settings.rituals})
    indent = None if args.json or args.text is None else 2

    def emit(text: str) -> None:
        result = matcher.match(text, expect=expect)
        # "safety": the disclosure category the routines would stop on, or null.
        shown = {**result.to_dict(), "safety": disclosure([text], settings.locale, settings.partners)}
        print(json.dumps(shown, ensure_ascii=False, indent=indent), flush=True)

    if args.text is not None:
        emit(args.text)
        return 0
    for line in sys.stdin:
        emit(line.rstrip("\r\n"))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `parse` subcommand to the `attune` parser."""
    parser = sub.add_parser(
        "parse",
        help="match a sentence to an intent and print it as JSON",
        description="Match TEXT (or each line of standard input) against attune's intent templates "
                    'and print {"intent", "slots", "confidence", "text", "safety"} as JSON. A sentence that '
                    'matches nothing prints "intent": null. "safety" is null, or the disclosure '
                    '(fear, violence, coercion, self_harm) that would stop a routine. Exit status is 0 '
                    'either way.',
    )
    parser.add_argument("text", nargs="?", metavar="TEXT",
                        help="sentence to match (default: read one sentence per line from stdin)")
    parser.add_argument("--expect", metavar="A,B",
                        help="intents the current step expects, e.g. Feeling,Yes (built-ins always count)")
    parser.add_argument("--intents", metavar="DIR",
                        help="match against the intent set in DIR (*.yaml hassil templates, any intent "
                             "names) instead of attune's own")
    parser.add_argument("--json", action="store_true",
                        help="compact one-line JSON (stdin mode always prints one line per sentence)")
    add_settings_flags(parser, server=False)
    parser.set_defaults(handler=parse)
