"""Load article files into a Kafka topic, one JSON Article per message.

    python -m pipelines.produce --topic articles seeds/
    python -m pipelines.produce --topic articles --bootstrap-servers 127.0.0.1:9092 a.jsonl b.txt

Every input format of the file source is read (.txt, .jsonl, .html/.htm; directories
recursively). Each article becomes one message: key = article_id, value = the Article as UTF-8
JSON. Items the file source cannot read are reported on stderr and not sent.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from kafka.errors import KafkaError

from pipelines.io.files import ARTICLES, parse_file
from pipelines.io.kafka_clients import PLAINTEXT, KafkaSecurity, explained_errors, producer
from pipelines.options import (
    ConfigurationError,
    add_bootstrap_servers_argument,
    add_kafka_security_arguments,
)
from pipelines.records import Record
from pipelines.strict_options import StrictArgumentParser


def article_files(paths: Iterable[str]) -> Iterator[Path]:
    """The given files, and the files under the given directories (hidden ones skipped)."""
    for spec in paths:
        path = Path(spec)
        if path.is_dir():
            for sub in sorted(path.rglob("*")):
                rel = sub.relative_to(path).parts
                if sub.is_file() and not any(part.startswith(".") for part in rel):
                    yield sub
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"no such file or directory: {spec}")


def article_value(article: Record) -> bytes:
    """An Article as the JSON message value the Kafka source reads (where it was read left
    out: the source sets its own origin and position)."""
    data = {k: v for k, v in article.items() if k not in ("origin", "position") and v is not None}
    if article.get("published_at") is not None:
        data["published_at"] = article["published_at"].isoformat()
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def messages(paths: Iterable[str]) -> Iterator[tuple[str, Record]]:
    """("article", (key, value)) for every readable article, ("skipped", dead letter) else."""
    for path in article_files(paths):
        for tag, record in parse_file(str(path), path.read_bytes()):
            if tag == ARTICLES:
                yield "article", (record["article_id"].encode("utf-8"), article_value(record))
            else:
                yield "skipped", record


def produce(
    bootstrap_servers: str,
    topic: str,
    paths: Iterable[str],
    security: KafkaSecurity = PLAINTEXT,
) -> tuple[int, int]:
    """Send the articles of ``paths`` to ``topic``; returns (sent, skipped).

    ConfigurationError when the producer cannot connect (saying why).
    """
    with explained_errors(bootstrap_servers, security):
        client = producer(bootstrap_servers, security, acks="all", linger_ms=5)
    sent = skipped = 0
    futures = []
    try:
        for kind, item in messages(paths):
            if kind == "article":
                key, value = item
                futures.append(client.send(topic, key=key, value=value))
                sent += 1
            else:
                skipped += 1
                print(
                    f"skipped {item['origin']}: {item['error_type']}: {item['error_message']}",
                    file=sys.stderr,
                )
        client.flush()
        for future in futures:
            future.get(timeout=30)  # raises when a message was not written
    finally:
        client.close()
    return sent, skipped


def main(argv: list[str] | None = None) -> int:
    parser = StrictArgumentParser(
        prog="python -m pipelines.produce", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--topic", required=True, help="Topic to write the articles to.")
    add_bootstrap_servers_argument(parser)
    parser.add_argument("files", nargs="+", help="Article files or directories.")
    add_kafka_security_arguments(parser, dashes=True)
    args = parser.parse_args(argv)
    try:
        security = KafkaSecurity.from_options(args, dashes=True)
        security.check()
        sent, skipped = produce(args.bootstrap_servers, args.topic, args.files, security)
    except FileNotFoundError as e:
        parser.error(str(e))
    except ConfigurationError as e:
        parser.exit(2, f"{parser.prog}: error: {e}\n")
    except KafkaError as e:
        print(f"error: Kafka at {args.bootstrap_servers}: {e!r}", file=sys.stderr)
        return 1
    print(f"sent {sent} article(s) to {args.topic}; skipped {skipped} unreadable item(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
