"""Score the reply extractor against public reply corpora, read in place.

Run from the project root::

    python tests/bench/bench_reply_corpus.py [--verbose]

Corpora (``../shared/corpora``, never copied into the project):

* ``talon/fixtures`` from mailgun/talon (Apache-2.0): 12 ``.eml`` standard replies
  expecting ``Hello`` unless a ``<name>_reply_text`` file holds the reply, and 9 HTML
  replies expecting ``Hi. I am fine.\\n\\nThanks,\\nAlex``.
* ``email-reply-parser-zapier/emails``, ``email_reply_parser-github/emails`` and
  ``email-reply-parser-crisp/fixtures`` (MIT), expected text in reply_corpus_truth.py.

A case passes on an exact match after trailing whitespace is removed from each
line and leading/trailing blank lines are dropped.
"""

from __future__ import annotations

import argparse
import email
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"
TALON = "talon/fixtures"
TALON_HTML_REPLY = "Hi. I am fine.\n\nThanks,\nAlex"


@dataclass(frozen=True)
class Case:
    corpus: str
    name: str
    expected: str
    actual: str

    @property
    def ok(self) -> bool:
        return normalize(self.expected) == normalize(self.actual)


@dataclass(frozen=True)
class CorpusScore:
    corpus: str
    cases: tuple[Case, ...]
    skipped: int

    @property
    def passed(self) -> int:
        return sum(case.ok for case in self.cases)

    @property
    def total(self) -> int:
        return len(self.cases)


def normalize(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def _load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _extractors() -> tuple[Callable[[str], str], Callable[[str], str]]:
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from channels_ingest.mail.reply_text import extract_reply, extract_reply_html

    return extract_reply, extract_reply_html


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _eml_reply(path: Path) -> str:
    extract_reply, extract_reply_html = _extractors()
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return extract_reply(plain.get_content())
    html = message.get_body(preferencelist=("html",))
    return extract_reply_html(html.get_content()) if html is not None else ""


def score_talon(root: Path) -> CorpusScore:
    extract_reply_html = _extractors()[1]
    base = root / TALON
    cases = []
    for path in sorted((base / "standard_replies").glob("*.eml")):
        expected_file = path.with_name(f"{path.stem}_reply_text")
        expected = _read_text(expected_file) if expected_file.exists() else "Hello"
        cases.append(Case(TALON, path.name, expected, _eml_reply(path)))
    for path in sorted((base / "html_replies").glob("*.html")):
        actual = extract_reply_html(_read_text(path))
        cases.append(Case(TALON, f"html_replies/{path.name}", TALON_HTML_REPLY, actual))
    return CorpusScore(TALON, tuple(cases), skipped=0)


def score_table(root: Path, corpus: str, truth: dict[str, str], skipped: int) -> CorpusScore:
    extract_reply = _extractors()[0]
    cases = tuple(
        Case(corpus, name, expected, extract_reply(_read_text(root / corpus / name)))
        for name, expected in sorted(truth.items())
    )
    return CorpusScore(corpus, cases, skipped)


def score_all(root: Path = CORPORA) -> list[CorpusScore]:
    table = _load_module("reply_corpus_truth", Path(__file__).with_name("reply_corpus_truth.py"))
    scores = [score_talon(root)]
    for corpus, truth in table.TRUTH.items():
        scores.append(score_table(root, corpus, truth, len(table.SKIPPED.get(corpus, {}))))
    return scores


def overall_rate(scores: list[CorpusScore]) -> float:
    total = sum(score.total for score in scores)
    return sum(score.passed for score in scores) / total if total else 0.0


def _line(label: str, passed: int, total: int) -> str:
    percent = 100 * passed / total if total else 0.0
    return f"{label}: {passed}/{total} exact ({percent:.1f}%)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score the reply extractor on public corpora.")
    parser.add_argument("--verbose", action="store_true", help="list every failure")
    parser.add_argument("--corpora", type=Path, default=CORPORA, help="public corpora folder")
    args = parser.parse_args(argv)
    if not args.corpora.is_dir():
        print(f"{args.corpora} is absent: the public reply corpora are read in place")
        return 1
    scores = score_all(args.corpora)
    for score in scores:
        extra = f", {score.skipped} skipped" if score.skipped else ""
        print(_line(score.corpus, score.passed, score.total) + extra)
    passed = sum(score.passed for score in scores)
    print(_line("overall", passed, sum(score.total for score in scores)))
    if args.verbose:
        for score in scores:
            for case in score.cases:
                if not case.ok:
                    print(f"\nFAIL {case.corpus}/{case.name}")
                    print(f"  expected: {normalize(case.expected)!r}")
                    print(f"  actual:   {normalize(case.actual)!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
