"""Knowledge search: retrieval quality on stackfaq and latency at 10,000 articles.

    python tests/bench/bench_kb_search.py                 # embedded default (SQLite, temp file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hd_issue7 python tests/bench/bench_kb_search.py

Quality: the 125 stackfaq threads as articles, every paraphrase as a query; queries whose
number is a multiple of 5 are the held-out split (reported), the others were used for tuning.
Latency: 10,000 published articles (the stackfaq threads plus banking77 customer questions
grouped by intent), 300 queries (banking77 test questions and stackfaq paraphrases), timed
through ``article_search`` after one warm-up query (which builds the per-process corpus). The
10,000 articles get random unit vectors as embeddings unless ``--real-embeddings`` (the time of
a query does not depend on the values; quality is measured on real embeddings above).
Runs in a few minutes on 2 cores; it creates two tenants and deletes them at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("SQLITE_PATH", str(Path(tempfile.gettempdir()) / "kb_bench.sqlite3"))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000, help="0: quality only")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--real-embeddings",
        action="store_true",
        help="encode the 10,000 articles (slow on 2 cores) instead of random unit vectors",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the two tenants afterwards (for profiling)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from helpdesk.models import Tenant
    from helpdesk.tenancy import tenant_scope
    from knowledge.models import Article
    from knowledge.search import article_search
    from knowledge.semantic import MODEL_NAME, encoder_get
    from knowledge.text import article_slugify, html_to_text, markdown_render
    from tests.bench.kb_quality import (
        BANKING77,
        STACKFAQ,
        queries_numbered,
        stackfaq_articles_create,
        stackfaq_evaluate,
        stackfaq_load,
    )

    if not STACKFAQ.is_file():
        print(f"{STACKFAQ} is absent: the corpora are read in place from ../shared/corpora")
        return 0
    call_command("migrate", verbosity=0)
    from helpdesk.celery import app as celery_app

    celery_app.conf.task_always_eager = True  # article embeddings are computed in-process
    encoder = encoder_get()
    modes = ["lexical", "hybrid"] if encoder else ["lexical"]
    print(f"database: {connection.vendor}; semantic extra: {'yes' if encoder else 'no'}")

    Tenant.objects.filter(slug__in=["kb-bench-quality", "kb-bench-10k"]).delete()
    quality_tenant = Tenant.objects.create(slug="kb-bench-quality", name="KB bench quality")
    big_tenant = Tenant.objects.create(slug="kb-bench-10k", name="KB bench 10k")
    try:
        print("\n== retrieval quality, stackfaq (125 articles)")
        with tenant_scope(quality_tenant):
            ids = stackfaq_articles_create(quality_tenant)
            for mode in modes:
                for held_out, label in ((False, "tuning"), (True, "held-out")):
                    quality = stackfaq_evaluate(ids, held_out=held_out, mode=mode)
                    print(quality.line(f"{mode} {label}"))

        if args.articles <= 0:
            return 0
        print(f"\n== latency, {args.articles:,} articles")
        threads = stackfaq_load()
        with BANKING77.open(encoding="utf-8") as handle:
            banking = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
        rng = random.Random(7)
        by_intent: dict[str, list[str]] = {}
        for text, intent in banking:
            by_intent.setdefault(intent, []).append(text)
        rows = [(t.title, t.body) for t in threads]
        for text, intent in banking:
            if len(rows) >= args.articles:
                break
            related = rng.sample(by_intent[intent], k=min(3, len(by_intent[intent])))
            body = f"{intent.replace('_', ' ').capitalize()}.\n\n" + "\n\n".join(related)
            rows.append((text, body))
        while len(rows) < args.articles:  # only if the corpora are smaller than asked
            title, body = rows[len(rows) % len(banking)]
            rows.append((f"{title} ({len(rows)})", body))
        started = time.perf_counter()
        with tenant_scope(big_tenant):
            articles = []
            for title, body in rows:
                html = markdown_render(body)
                articles.append(
                    Article(
                        tenant=big_tenant,
                        title=title[:200],
                        slug=article_slugify(title),
                        body=body,
                        body_html=html,
                        body_text=html_to_text(html),
                        status="published",
                        locale="en",
                    )
                )
            Article.objects.bulk_create(articles, batch_size=1000)
            print(f"inserted {len(articles):,} articles in {time.perf_counter() - started:.1f} s")
            if encoder:
                import numpy as np

                started = time.perf_counter()
                saved = list(Article.objects.order_by("id").only("id", "title", "body_text"))
                vectors_rng = np.random.default_rng(7)
                for start in range(0, len(saved), 500):
                    chunk = saved[start : start + 500]
                    if args.real_embeddings:
                        texts = [f"{a.title}\n{a.body_text}" for a in chunk]
                        vectors = encoder.encode(texts, 64)
                    else:  # the cost of a query does not depend on the vectors' values
                        vectors = vectors_rng.standard_normal((len(chunk), 384)).astype("float32")
                        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                    for article, vector in zip(chunk, vectors, strict=True):
                        article.embedding = vector.tobytes()
                        article.embedding_model = MODEL_NAME
                    Article.objects.bulk_update(chunk, ["embedding", "embedding_model"])
                kind = "computed" if args.real_embeddings else "random unit"
                print(f"{kind} embeddings stored in {time.perf_counter() - started:.1f} s")
            if connection.vendor == "postgresql":
                # A knowledge base at rest: autovacuum visits a table after a bulk insert (its
                # insert threshold), setting the visibility map and hint bits and statistics.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE knowledge_article")
            test_path = BANKING77.with_name("test.csv")
            with test_path.open(encoding="utf-8") as handle:
                pool = [row["text"] for row in csv.DictReader(handle)]
            pool += [text for _, text, _ in queries_numbered(threads)]
            queries = rng.sample(pool, k=min(args.queries, len(pool)))
            for mode in modes:
                started = time.perf_counter()
                article_search(query="warm up the corpus", mode=mode)
                warm = (time.perf_counter() - started) * 1000
                timings = []
                cpu = []
                counts = set()
                for query in queries:
                    with CaptureQueriesContext(connection) as captured:
                        started, cpu_started = time.perf_counter(), time.process_time()
                        article_search(query=query, mode=mode)
                        timings.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - cpu_started) * 1000)
                    counts.add(len(captured.captured_queries))
                print(
                    f"{mode:<8} n={len(timings)} p50={statistics.median(timings):.1f} ms "
                    f"p95={_percentile(timings, 0.95):.1f} ms max={max(timings):.1f} ms "
                    f"CPU p95={_percentile(cpu, 0.95):.1f} ms queries={sorted(counts)} "
                    f"(first query, building the corpus: {warm:.0f} ms; "
                    f"load average {os.getloadavg()[0]:.1f})"
                )
    finally:
        if not args.keep:
            Tenant.objects.filter(slug__in=["kb-bench-quality", "kb-bench-10k"]).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
