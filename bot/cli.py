"""`hirebot` command line: a thin client of the library (ingest, ask, chat, run, ...)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from bot import __version__
from bot.chat import format_recommendation, render_reply, run_chat
from bot.errors import BadQuestion, ConfigError, HirebotError
from bot.logs import configure_logging
from bot.services import Services, build_services
from bot.settings import Settings

logger = logging.getLogger("bot.cli")
EXIT_OK, EXIT_RUNTIME, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage or bad input: exit code 2 with a one-line reason."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands and their flags."""
    parser = _Parser(prog="hirebot", description="Sourced guidance on hiring AI/ML talent.")
    parser.add_argument("--version", action="version", version=f"hirebot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("ingest", help="(re)index documents, incrementally by content hash")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: knowledge/)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    p = sub.add_parser("ask", help="answer one question (or one per line with --jsonl)")
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--json", action="store_true", help="print the answer object as JSON")
    p.add_argument("--jsonl", action="store_true", help="read questions from stdin, one per line")

    p = sub.add_parser("pick-role", help="free-text hiring need -> recommended role")
    p.add_argument("situation", nargs="*", help="the hiring need, in words")
    p.add_argument("--json", action="store_true", help="print the recommendation as JSON")
    p.add_argument("--jsonl", action="store_true", help="read situations from stdin, one per line")

    p = sub.add_parser("eval", help="run the fixed Q&A set in evals/ and check the gates")
    p.add_argument("--report", type=Path, help="write a Markdown report (with plots) here")
    p.add_argument("--evals-dir", type=Path, default=Path("evals"), help="where the sets live")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser(
        "train-roles", help="fit the role model on the labelled situations and write its artifact"
    )
    p.add_argument("--evals-dir", type=Path, default=Path("evals"), help="where the sets live")
    p.add_argument(
        "--out", type=Path, default=None, help="artifact path (default: the bundled one)"
    )
    p.add_argument(
        "--check", action="store_true", help="only check the artifact is fresh (exit 1 if stale)"
    )

    p = sub.add_parser(
        "train-ranker",
        help="fit the sentence ranker on the dev halves of the eval sets and write its artifact",
    )
    p.add_argument("--evals-dir", type=Path, default=Path("evals"), help="where the sets live")
    p.add_argument(
        "--out", type=Path, default=None, help="artifact path (default: the bundled one)"
    )
    p.add_argument(
        "--check", action="store_true", help="only check the artifact is fresh (exit 1 if stale)"
    )

    p = sub.add_parser(
        "train-relations",
        help="fit the follow-up relation model on bot/data/relations.yaml and the dev threads",
    )
    p.add_argument("--evals-dir", type=Path, default=Path("evals"), help="where the sets live")
    p.add_argument(
        "--out", type=Path, default=None, help="artifact path (default: the bundled one)"
    )
    p.add_argument(
        "--check", action="store_true", help="only check the artifact is fresh (exit 1 if stale)"
    )

    p = sub.add_parser(
        "train-classifier",
        help="fit the question classifier on bot/data/question_types*.yaml and write its artifact",
    )
    p.add_argument(
        "--out", type=Path, default=None, help="artifact path (default: the bundled one)"
    )
    p.add_argument(
        "--check", action="store_true", help="only check the artifact is fresh (exit 1 if stale)"
    )
    p.add_argument(
        "--folds", type=int, default=5, help="cross-validation folds to report (0: none)"
    )

    p = sub.add_parser(
        "serve", help="run the Slack app (Socket Mode if SLACK_APP_TOKEN, else HTTP)"
    )
    p.add_argument("--http", action="store_true", help="HTTP mode even when SLACK_APP_TOKEN is set")
    p.add_argument("--port", type=int, default=None, help="HTTP port (default 3000)")
    p.add_argument("--host", default="0.0.0.0", help="HTTP bind address (default 0.0.0.0)")

    p = sub.add_parser("gaps", help="what hirebot could not answer, grouped, largest group first")
    p.add_argument("--since", default="7d", help="time window: 7d, 24h, 30m ... (default 7d)")
    p.add_argument("--json", action="store_true", help="print the report as a JSON object")
    p.add_argument("--report", type=Path, help="write a Markdown report (with a bar chart) here")

    sub.add_parser("chat", help="interactive terminal chat")
    sub.add_parser("run", help="ingest if needed, then serve Slack (tokens set) or chat")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hirebot` console script."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        args = build_parser().parse_args(argv)
        settings = _load_settings()
    except UsageError as exc:
        print(f"hirebot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(
        fmt=settings.log_format,
        level=settings.log_level if args.command in ("serve", "run") else "WARNING",
        secrets=_secrets(settings),
        debug=settings.debug,
    )
    handler: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
    try:
        return handler(args, settings)
    except UsageError as exc:
        print(f"hirebot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BadQuestion as exc:
        print(f"hirebot: {exc.user_message}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"hirebot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HirebotError as exc:
        print(f"hirebot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `hirebot ask --jsonl ... | head -1`: the reader left; end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise UsageError(f"invalid configuration {where}: {first.get('msg')}") from exc


def _secrets(settings: Settings) -> tuple[str, ...]:
    values = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.llm_api_key,
    )
    return tuple(v.get_secret_value() for v in values if v is not None)


def _services(settings: Settings, *, ensure_index: bool = True) -> Services:
    services = build_services(settings)
    if ensure_index:
        report = services.ensure_index()
        if report is not None:
            print(f"hirebot: built the index from {settings.knowledge_dir}", file=sys.stderr)
    return services


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot ingest [PATH ...]`."""
    services = _services(settings, ensure_index=False)
    paths = list(args.paths) or [settings.knowledge_dir]
    progress = False if (args.no_progress or args.json) else None
    report = services.ingest(paths, progress=progress)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report.summary())
    if not report.ok:
        first_path, first_reason = report.failures[0]
        print(
            f"hirebot: {len(report.failures)} file(s) skipped, e.g. {first_path}: {first_reason}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_OK


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot ask QUESTION [--json]` and `hirebot ask --jsonl`."""
    if args.jsonl and args.question:
        raise UsageError("--jsonl reads questions from stdin; do not also pass a question")
    if not args.jsonl and not args.question:
        raise UsageError("ask needs a QUESTION (or --jsonl to read them from stdin)")
    question = " ".join(args.question)
    if not args.jsonl and not question.strip():
        raise UsageError("Please type a question, for example: “What does an ML engineer earn?”")
    services = _services(settings)
    if args.jsonl:
        return _ask_lines(services, sys.stdin, sys.stdout)
    reply = services.conversations.respond(conversation=None, user="cli", text=question)
    if reply.route == "error":
        raise UsageError(reply.text)
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False))
    else:
        print(render_reply(reply))
    return EXIT_OK


def _ask_lines(services: Services, stdin: TextIO, stdout: TextIO) -> int:
    """One answer per line. A line that is a JSON object {"conversation": "id", "question":
    "..."} shares context with the earlier lines of the same id (in this run only); plain text
    lines stand alone."""
    run = uuid.uuid4().hex[:8]
    for line in stdin:
        raw = line.rstrip("\n")
        if not raw.strip():
            continue
        try:
            question, conversation = parse_ask_line(raw)
        except BadQuestion as exc:
            payload = error_payload(raw, exc.user_message)
        else:
            key = f"cli:{run}:{conversation}" if conversation is not None else None
            payload = services.conversations.respond(
                conversation=key, user="cli", text=question
            ).to_dict()
            if conversation is not None:
                payload["conversation"] = conversation
        stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        stdout.flush()
    return EXIT_OK


def parse_ask_line(line: str) -> tuple[str, str | None]:
    """(question, conversation id or None) of one `ask --jsonl` input line."""
    if not line.lstrip().startswith("{"):
        return line, None
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadQuestion(
            "invalid JSON line",
            user_message=f"This line looks like JSON but is not valid ({exc.msg}); send a "
            'plain question or {"conversation": "id", "question": "..."}.',
        ) from exc
    question = data.get("question") if isinstance(data, dict) else None
    if not isinstance(question, str) or not question.strip():
        raise BadQuestion(
            "JSON line without a question",
            user_message='A JSON line needs a "question" string, e.g. '
            '{"conversation": "t1", "question": "What does an ML engineer earn?"}.',
        )
    conversation = data.get("conversation")
    if conversation is not None and not isinstance(conversation, str | int):
        raise BadQuestion(
            "bad conversation id",
            user_message='"conversation" must be a string (or a number) naming the thread.',
        )
    return question, None if conversation is None else str(conversation)


def error_payload(question: str, message: str) -> dict[str, object]:
    """A contract-shaped object for a question that could not be answered."""
    return {
        "question": question,
        "answer": message,
        "grounded": False,
        "sources": [],
        "contexts": [],
        "mode": "extractive",
        "latency_ms": 0.0,
        "uncovered": [],
        "route": "declined",
        "error": message,
    }


def cmd_pick_role(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot pick-role SITUATION [--json]` and `--jsonl`."""
    if args.jsonl and args.situation:
        raise UsageError("--jsonl reads situations from stdin; do not also pass one")
    if not args.jsonl and not args.situation:
        raise UsageError("pick-role needs a SITUATION (or --jsonl to read them from stdin)")
    services = _services(settings)
    limit = settings.max_question_chars
    if args.jsonl:
        for line in sys.stdin:
            situation = line.strip()
            if not situation:
                continue
            if len(situation) > limit:
                payload: dict[str, object] = {
                    "situation": situation,
                    "error": f"longer than {limit} characters",
                }
            else:
                payload = services.roles.recommend(situation).to_dict()
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return EXIT_OK
    situation = " ".join(args.situation).strip()
    if not situation:
        raise UsageError("the situation is empty: describe the hiring need in words")
    if len(situation) > limit:
        raise UsageError(f"the situation is longer than {limit} characters")
    rec = services.roles.recommend(situation)
    if args.json:
        print(json.dumps(rec.to_dict(), ensure_ascii=False))
    else:
        print(format_recommendation(rec))
    return EXIT_OK


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot chat`: an interactive loop over the same core as Slack."""
    services = _services(settings)
    return run_chat(services, sys.stdin, sys.stdout)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot serve [--http] [--port N]`: until SIGTERM/SIGINT, then a graceful stop (0)."""
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, got {args.port}")
    if not settings.slack_enabled:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set; export it (and SLACK_SIGNING_SECRET for HTTP)"
        )
    from bot.slack.server import check_slack, serve

    http = args.http or settings.slack_app_token is None
    check_slack(settings, http=http)  # before the model loads: a bad token fails in a second
    return serve(_services(settings, ensure_index=False), http=http, port=args.port, host=args.host)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot run`: refresh the index, then Slack when real tokens are set, else the terminal
    chat (placeholder tokens, such as the .env.example values, count as unset)."""
    from bot.slack.server import check_slack, placeholder_setting, serve

    slack = settings.slack_enabled
    http = settings.slack_app_token is None
    placeholder = placeholder_setting(settings) if slack else None
    if placeholder is not None:
        print(
            f"hirebot: {placeholder} holds a placeholder, not a Slack token: starting the "
            "terminal chat (set real tokens in .env to run the Slack app)",
            file=sys.stderr,
        )
        slack = False
    elif slack:
        check_slack(settings, http=http)
    services = _services(settings, ensure_index=False)
    report = services.ingest(progress=None)
    print(report.summary(), file=sys.stderr)
    if slack:
        return serve(services, http=http, port=None, prepared=True)
    return run_chat(services, sys.stdin, sys.stdout)


# The conversation eval: conversations.yaml has the dev and test halves; the others are more
# dev threads from further authors (tuned on, reported in the dev column).
CONVERSATION_SETS = (
    "conversations.yaml",
    "conversations_dev.yaml",
    "conversations_dev2.yaml",
    "conversations_dev3.yaml",
    "conversations_dev4.yaml",
)


# Threads of any length from two further authors (dev and test halves), with paraphrases.
THREAD_SETS = ("threads_dev.yaml", "threads_test.yaml")


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot eval [--report PATH]`: metrics table; exit 1 when a gate fails."""
    from bot.evaluation import harness as evaluation
    from bot.evaluation.report import format_console, write_report
    from bot.evaluation.routing import load_routing_sets

    qa_items = evaluation.load_qa(args.evals_dir / "qa.yaml")
    thresholds = evaluation.load_thresholds(args.evals_dir / "thresholds.yaml")
    realistic_path = args.evals_dir / "realistic_qa.yaml"
    realistic = evaluation.load_qa(realistic_path, topics=None) if realistic_path.exists() else []
    threads = [  # conversations.yaml (dev and test halves) and more dev threads, if present
        item
        for name in CONVERSATION_SETS
        if (args.evals_dir / name).exists()
        for item in evaluation.load_conversations(args.evals_dir / name)
    ]
    services = _services(settings, ensure_index=False)
    report = services.ingest(progress=False)
    if not report.ok:
        print(
            f"hirebot: warning: {len(report.failures)} knowledge file(s) skipped", file=sys.stderr
        )
    result = evaluation.run_eval(
        qa_items,
        make_conversations=evaluation.conversations_factory(services.conversations),
        role_splits=lambda: _role_splits(services, args.evals_dir),
        modes=(*evaluation.MODES, evaluation.GENERATED)
        if services.qa.generator is not None
        else evaluation.MODES,
        realistic_items=realistic,
        conversation_items=threads,
        routing_items=load_routing_sets(args.evals_dir),
        lead_items=evaluation.load_leads(leads)
        if (leads := args.evals_dir / "leads.yaml").exists()
        else [],
        thread_items=[
            item
            for name in THREAD_SETS
            if (args.evals_dir / name).exists()
            for item in evaluation.load_conversations(args.evals_dir / name)
        ],
        progress=lambda line: print(f"hirebot eval: {line}", file=sys.stderr, flush=True),
    )
    failures = evaluation.check_gates(result, thresholds)
    if args.json:
        print(
            json.dumps(
                {
                    "summary": result.summary,
                    "realistic": result.realistic,
                    "conversations": result.conversations,
                    "routing": result.routing,
                    "qa_splits": result.qa_splits,
                    "leads": result.leads,
                    "threads": result.threads,
                    "roles": result.roles,
                    "gate_failures": [str(f) for f in failures],
                },
                indent=2,
            )
        )
    else:
        print(format_console(result, failures))
    if args.report:
        written = write_report(result, args.report, failures)
        print(f"report: {', '.join(str(p) for p in written)}", file=sys.stderr)
    return EXIT_RUNTIME if failures else EXIT_OK


def cmd_gaps(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot gaps [--since 7d] [--json] [--report PATH]`: the knowledge-gap report."""
    from bot.gaps.grouping import parse_since
    from bot.gaps.report import format_console, write_report

    try:
        since_s = parse_since(args.since)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    report = _services(settings, ensure_index=False).gaps(since_s=since_s)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_console(report, since=args.since))
    if args.report:
        written = write_report(report, args.report, since=args.since)
        print(f"report: {', '.join(str(p) for p in written)}", file=sys.stderr)
    return EXIT_OK


def _role_splits(services: Services, evals_dir: Path) -> dict[str, dict[str, object]]:
    """The role recommender on each split that exists: cross-validation over the training set
    (with the artifact's hyper-parameters), then the dev and test sets through `recommend`."""
    from bot.evaluation import harness as evaluation
    from bot.roles import training as rt

    recommender = services.roles.recommender
    splits: dict[str, dict[str, object]] = {}
    if all((evals_dir / name).exists() for name in rt.TRAIN_FILES):
        train = rt.load_training_items(evals_dir)
        if not rt.is_fresh(recommender.model, train, services.embedder.name):
            print(
                "hirebot: warning: the role model is stale; run `hirebot train-roles`",
                file=sys.stderr,
            )
        splits["train_cv"] = rt.cross_validate(
            train, services.embedder, rt.config_of(recommender.model)
        )
    for name, filename in (("dev", rt.DEV_FILE), ("test", rt.TEST_FILE)):
        if (evals_dir / filename).exists():
            items = evaluation.load_roles(evals_dir / filename)
            recs = [recommender.recommend(i.situation) for i in items]
            splits[name] = evaluation.role_split_metrics(
                items, [(r.scores, r.ambiguous) for r in recs]
            )
    return splits


def cmd_train_roles(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot train-roles [--check]`: select, fit and calibrate the role model; write it."""
    from bot.roles import training as rt
    from bot.roles.model import DEFAULT_ARTIFACT, RoleModel
    from bot.stores.embeddings import load_embedder

    out = args.out or DEFAULT_ARTIFACT
    items = rt.load_training_items(args.evals_dir)
    embedder = load_embedder()
    if args.check:
        fresh = rt.is_fresh(RoleModel.load(out), items, embedder.name)
        print(f"{out}: {'fresh' if fresh else 'STALE: run `hirebot train-roles`'}")
        return EXIT_OK if fresh else EXIT_RUNTIME
    run = rt.train(items, embedder)
    run.model.save(out)
    print(rt.format_run(run))
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def cmd_train_ranker(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot train-ranker [--check]`: fit the sentence ranker on dev items, write it."""
    from bot.answering.ranker import DEFAULT_ARTIFACT, SentenceRanker
    from bot.evaluation import ranker_training as rt

    out = args.out or DEFAULT_ARTIFACT
    items = rt.training_items(args.evals_dir)
    if not items:
        raise UsageError(f"no dev items to train on in {args.evals_dir}")
    if args.check:
        fresh = out.exists() and rt.is_fresh(SentenceRanker.load(out), items)
        print(f"{out}: {'fresh' if fresh else 'STALE: run `hirebot train-ranker`'}")
        return EXIT_OK if fresh else EXIT_RUNTIME
    services = _services(settings, ensure_index=False)
    services.ingest(progress=False)
    run = rt.train(items, services.conversations)
    run.ranker.save(out)
    print(rt.format_run(run))
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def cmd_train_relations(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot train-relations [--check]`: fit the follow-up relation model, write it."""
    from bot.answering.relation import DEFAULT_ARTIFACT, RelationModel
    from bot.evaluation import relation_training as rt

    out = args.out or DEFAULT_ARTIFACT
    services = _services(settings, ensure_index=False)
    if args.check:
        fresh = out.exists() and rt.is_fresh(
            RelationModel.load(out), args.evals_dir, services.embedder.name
        )
        print(f"{out}: {'fresh' if fresh else 'STALE: run `hirebot train-relations`'}")
        return EXIT_OK if fresh else EXIT_RUNTIME
    services.ingest(progress=False)
    run = rt.train(args.evals_dir, services.conversations)
    run.model.save(out)
    print(rt.format_run(run))
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def cmd_train_classifier(args: argparse.Namespace, settings: Settings) -> int:
    """`hirebot train-classifier [--check]`: fit the question classifier and write its artifact."""
    from bot.answering.classify import QuestionClassifier
    from bot.answering.question_model import DEFAULT_ARTIFACT, QuestionModel
    from bot.stores.embeddings import load_embedder

    out = args.out or DEFAULT_ARTIFACT
    classifier = QuestionClassifier(load_embedder(), cache_dir=settings.data_dir / "cache")
    if args.check:
        fresh = out.exists() and QuestionModel.load(out).fingerprint == classifier.fingerprint()
        print(f"{out}: {'fresh' if fresh else 'STALE: run `hirebot train-classifier`'}")
        return EXIT_OK if fresh else EXIT_RUNTIME
    labels = classifier.labels.labels
    print(f"{sum(len(label.examples) + 1 for label in labels)} examples, {len(labels)} labels")
    if args.folds > 1:
        scores = classifier.cross_validate(folds=args.folds)
        print(
            f"{args.folds}-fold cross-validation: label accuracy {scores['label_accuracy']:.3f}, "
            f"scope accuracy {scores['scope_accuracy']:.3f}"
        )
    classifier.train().save(out)
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "gaps": cmd_gaps,
    "pick-role": cmd_pick_role,
    "serve": cmd_serve,
    "train-roles": cmd_train_roles,
    "train-classifier": cmd_train_classifier,
    "train-ranker": cmd_train_ranker,
    "train-relations": cmd_train_relations,
    "run": cmd_run,
}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
