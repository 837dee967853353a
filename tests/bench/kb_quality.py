"""Retrieval quality on the stackfaq corpus (read in place from ../shared/corpora).

125 StackExchange threads become articles (title: the question, body: the top answers); the
1,375 paraphrases are the queries, numbered in file order. Queries whose number is a multiple
of 5 are the held-out report split; the others were used for tuning.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _corpus_dir() -> Path:
    """``$KB_CORPUS_DIR``, else ``shared/corpora/kb-search`` beside the project (or a worktree's
    parent)."""
    if os.environ.get("KB_CORPUS_DIR"):
        return Path(os.environ["KB_CORPUS_DIR"])
    for base in (PROJECT_ROOT.parent, PROJECT_ROOT.parent.parent):
        found = base / "shared" / "corpora" / "kb-search"
        if found.is_dir():
            return found
    return PROJECT_ROOT.parent / "shared" / "corpora" / "kb-search"


CORPUS = _corpus_dir()
STACKFAQ = CORPUS / "stackfaq" / "stackExchange-FAQ.json"
BANKING77 = CORPUS / "banking77" / "train.csv"


@dataclass(frozen=True)
class Thread:
    title: str
    body: str
    queries: list[str]


def stackfaq_load(path: Path = STACKFAQ) -> list[Thread]:
    data = json.loads(path.read_text(encoding="utf-8"))
    threads = []
    for pair in data["root"]["qapair"]:
        answers = pair["answer"] if isinstance(pair["answer"], list) else [pair["answer"]]
        rephr = pair["rephr"] if isinstance(pair["rephr"], list) else [pair["rephr"]]
        threads.append(Thread(pair["question"], "\n\n".join(answers), [q or "" for q in rephr]))
    return threads


def queries_numbered(threads: list[Thread]) -> list[tuple[int, str, int]]:
    """(query number, text, index of the thread it belongs to) in file order.

    Numbers count every entry of the file; the placeholders that hold no word at all ("*",
    one per thread, and one empty entry) are then left out: they are not queries.
    """
    out = []
    number = 0
    for thread_index, thread in enumerate(threads):
        for text in thread.queries:
            if any(ch.isalnum() for ch in text):
                out.append((number, text, thread_index))
            number += 1
    return out


def split(queries: list[tuple[int, str, int]], held_out: bool) -> list[tuple[int, str, int]]:
    return [q for q in queries if (q[0] % 5 == 0) == held_out]


@dataclass(frozen=True)
class Quality:
    queries: int
    recall_at_1: float
    recall_at_5: float
    mrr_at_10: float

    def line(self, label: str) -> str:
        return (
            f"{label:<28} n={self.queries:<5} recall@1={self.recall_at_1:.3f} "
            f"recall@5={self.recall_at_5:.3f} MRR@10={self.mrr_at_10:.3f}"
        )


def quality_measure(ranked: list[list[int]], expected: list[int]) -> Quality:
    """``ranked[i]`` is the result ids of query i best first; ``expected[i]`` its answer."""
    r1 = r5 = mrr = 0.0
    for ids, answer in zip(ranked, expected, strict=True):
        if ids[:1] == [answer]:
            r1 += 1
        if answer in ids[:5]:
            r5 += 1
        if answer in ids[:10]:
            mrr += 1 / (ids.index(answer) + 1)
    n = max(len(expected), 1)
    return Quality(len(expected), r1 / n, r5 / n, mrr / n)


def stackfaq_evaluate(article_ids: list[int], held_out: bool, mode: str) -> Quality:
    """Run every query of the split through ``article_search`` (tenant already active)."""
    from knowledge.search import article_search

    threads = stackfaq_load()
    chosen = split(queries_numbered(threads), held_out)
    ranked = [
        [hit.id for hit in article_search(query=text, limit=10, mode=mode).hits]
        for _, text, _ in chosen
    ]
    return quality_measure(ranked, [article_ids[thread] for _, _, thread in chosen])


def stackfaq_articles_create(tenant: object) -> list[int]:
    """Publish the threads as articles of ``tenant`` (active); their ids in thread order."""
    from knowledge.services import article_create

    return [
        article_create(
            tenant=tenant,
            title=t.title,
            body=t.body,
            status="published",
            locale="en",  # type: ignore[arg-type]
        ).pk
        for t in stackfaq_load()
    ]
