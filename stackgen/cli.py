"""The command line: options in, one library call, a report out, an exit code.

Exit codes: 0 ok, 1 mismatch or stale files, 2 usage or schema error, 3 environment, 130 Ctrl-C.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
import sys
import time
from pathlib import Path

import stackgen
from stackgen import files
from stackgen.engines import ENGINES
from stackgen.errors import ExitCode, StackgenError, UsageError

STACK_DIR = Path("stackgen-stack")
DETECT_ENGINES = ("local", "embedded", "elasticsearch")  # engines that can search what they indexed


def _engine_options(parser: argparse.ArgumentParser, engines: tuple[str, ...] = ENGINES) -> None:
    parser.add_argument("--engine", choices=engines, default="local",
                        help="local: in-process Python (default); embedded: a real Elasticsearch node "
                             "started for this run; elasticsearch: a cluster at --es-url; stack: the running "
                             "compose stack of --stack-dir (Filebeat -> Logstash -> Elasticsearch)")
    parser.add_argument("--stack-dir", type=Path, default=STACK_DIR, help="directory of `stackgen up` (stack engine)")
    parser.add_argument("--now", help="reference time for year-less timestamps, ISO 8601 with offset "
                                      "(default: the schema's verify.now, else the clock)")
    group = parser.add_argument_group("elasticsearch engine")
    group.add_argument("--es-url", help="cluster URL, e.g. https://localhost:9200")
    group.add_argument("--user", help="basic-auth user (password from --password or $STACKGEN_ES_PASSWORD)")
    group.add_argument("--password", help="basic-auth password (prefer $STACKGEN_ES_PASSWORD)")
    group.add_argument("--api-key", help="API key (prefer $STACKGEN_ES_API_KEY)")
    group.add_argument("--ca-cert", help="CA certificate file for TLS verification")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stackgen", description=stackgen.__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a schema and list every problem")
    p.add_argument("schema", type=Path)

    p = sub.add_parser("render", help="render Filebeat, Logstash and Elasticsearch files from a schema")
    p.add_argument("schema", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="directory to write into")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the directory is stale")
    p.add_argument("--target", action="append", choices=stackgen.TARGETS, help="only these targets")

    p = sub.add_parser("parse", help="print one JSON document per record of FILEs (or stdin)")
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--schema", type=Path, required=True)
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="local engine: parse on N processes (documents stay in input order)")
    _engine_options(p)

    p = sub.add_parser("infer", help="draft a schema from raw logs: message types, fields, samples and goldens")
    p.add_argument("logs", nargs="+", type=Path, help="log files")
    p.add_argument("-o", "--output", type=Path, required=True, help="directory for schema.yaml, samples, report")
    p.add_argument("--name", help="the log family's name (default: the first file's name)")
    p.add_argument("--assignments", type=Path, help="write one JSON object per record: its variant and template")

    p = sub.add_parser("verify", help="replay samples through an engine and compare with golden files")
    p.add_argument("samples", type=Path, help="directory of *.log samples and *.log-expected.json goldens")
    p.add_argument("--schema", type=Path, help="schema file (default: SAMPLES/schema.yaml)")
    p.add_argument("--generate", action="store_true", help="rewrite the golden files from this engine's output")
    p.add_argument("--junit", type=Path, help="also write a JUnit XML report here")
    p.add_argument("--no-coverage", action="store_true", help="do not require a sample for every variant")
    _engine_options(p)

    p = sub.add_parser("detect", help="replay records, run the schema's detection rules, print one JSON alert per line")
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--schema", type=Path, required=True)
    _engine_options(p, DETECT_ENGINES)

    p = sub.add_parser("preview", help="draw each dashboard panel as a PNG from real query results on the samples")
    p.add_argument("samples", type=Path)
    p.add_argument("--schema", type=Path, help="schema file (default: SAMPLES/schema.yaml)")
    p.add_argument("-o", "--output", type=Path, required=True, help="directory for the PNG files")
    _engine_options(p)
    p.set_defaults(engine="embedded")

    p = sub.add_parser("engine", help="manage the embedded Elasticsearch node")
    p.add_argument("action", choices=("start", "stop", "status"))

    p = sub.add_parser("up", help="render, start the Docker stack, load the template, pipeline and Kibana objects")
    p.add_argument("schema", type=Path)
    p.add_argument("--dir", type=Path, default=STACK_DIR, help=f"where the stack lives (default {STACK_DIR})")
    p.add_argument("--logs", type=Path, required=True, help="host directory of the logs Filebeat reads (read-only)")
    p.add_argument("--stack-version", default=None, help="Elastic Stack version (default: the pinned one)")
    p.add_argument("--nodes", type=int, choices=(1, 3), default=1, help="Elasticsearch nodes")

    p = sub.add_parser("down", help="stop the Docker stack")
    p.add_argument("--dir", type=Path, default=STACK_DIR)
    p.add_argument("--volumes", action="store_true", help="also delete its data volumes")

    p = sub.add_parser("status", help="show the Docker stack's services and health")
    p.add_argument("--dir", type=Path, default=STACK_DIR)

    _classify_parser(sub)
    return parser


def _classify_parser(sub) -> None:
    p = sub.add_parser("classify", help="train a log-line classifier on labelled lines, or apply one")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    t = actions.add_parser("train", help="TRAIN.tsv (CATEGORY<TAB>LOG LINE per line) in, a model file out")
    t.add_argument("tsv", type=Path, metavar="TRAIN.tsv")
    t.add_argument("-o", "--output", type=Path, required=True, metavar="MODEL.json")
    t.add_argument("--ngrams", type=int, default=1, metavar="N",
                   help="also use each category's most typical n-grams of 2..N words (default 1: words only)")
    t.add_argument("--baseline", choices=("bayes",), help="train the multinomial naive Bayes baseline instead")
    a = actions.add_parser("apply", help="print one JSON object per line of FILEs (or stdin): category and scores")
    a.add_argument("model", type=Path, metavar="MODEL.json")
    a.add_argument("files", nargs="*", type=Path, metavar="FILE")


def _cmd_classify(args) -> ExitCode:
    from stackgen.classify import commands, load

    if args.action == "train":
        method = "naive-bayes" if args.baseline == "bayes" else "word-frequency"
        classifier = commands.train_file(args.tsv, args.output, args.ngrams, method)
        print(f"wrote {args.output} ({classifier.kind}, {len(classifier.categories)} categories, "
              f"{sum(classifier.matrix.lines)} lines, {len(classifier.matrix.features)} features)")
        return ExitCode.OK
    classifier = load(args.model)
    for path in args.files or [None]:
        with (open(path, "rb") if path else contextlib.nullcontext(sys.stdin.buffer)) as stream:
            commands.apply_lines(classifier, commands.lines(stream), sys.stdout)
    return ExitCode.OK


def _cmd_validate(args) -> ExitCode:
    from stackgen.verify.samplecheck import sample_warnings

    model = stackgen.load_schema(args.schema)
    print(f"{args.schema}: ok ({len(model.variants)} variants, {len(model.values)} values)")
    for warning in sample_warnings(model, args.schema.parent):
        print(f"stackgen: warning: {warning}", file=sys.stderr)
    return ExitCode.OK


def _cmd_render(args) -> ExitCode:
    model = stackgen.load_schema(args.schema)
    artifacts = stackgen.render(model, tuple(args.target or stackgen.TARGETS))
    extra = files.leftovers(artifacts, args.output)
    if args.check:
        outdated = files.stale(artifacts, args.output)
        for path in outdated:
            print(f"stale: {args.output / path}")
        for path in extra:
            print(f"stale: {args.output / path} (not rendered from this schema)")
        print(f"{len(artifacts) - len(outdated)} of {len(artifacts)} files up to date, {len(extra)} left over")
        return ExitCode.MISMATCH if outdated or extra else ExitCode.OK
    for path in files.write(artifacts, args.output):
        print(f"wrote {args.output / path}")
    for path in extra:
        print(f"stackgen: warning: {args.output / path} is not rendered from this schema (remove it: "
              "Logstash runs every pipeline file it finds)", file=sys.stderr)
    return ExitCode.OK


def _cmd_parse(args) -> ExitCode:
    model = stackgen.load_schema(args.schema)
    if args.jobs < 1 or (args.jobs > 1 and args.engine != "local"):
        raise UsageError("--jobs N: N >= 1, and more than one only with the local engine")
    if args.jobs > 1:
        return _parse_parallel(args, model)
    from stackgen.engines.parallel import dumps

    batch = 1 if args.engine == "local" else 1000  # records per engine call: documents flow out at once
    with _engine(args, model) as engine:
        for path in args.files or [None]:
            with (open(path, "rb") if path else contextlib.nullcontext(sys.stdin.buffer)) as stream:
                flushed = 0.0
                for doc in stackgen.parse_stream(model, stream, engine, str(path or "<stdin>"), batch):
                    sys.stdout.write(dumps(doc))
                    if time.monotonic() - flushed > 0.1:  # documents show at once, without a write per line
                        sys.stdout.flush()
                        flushed = time.monotonic()
                sys.stdout.flush()
    return ExitCode.OK


def _parse_parallel(args, model) -> ExitCode:
    from stackgen.engines.framing import frame_stream
    from stackgen.engines.parallel import json_lines

    for path in args.files or [None]:
        with (open(path, "rb") if path else contextlib.nullcontext(sys.stdin.buffer)) as stream:
            records = frame_stream(model, stream, str(path or "<stdin>"))
            for text in json_lines(model, records, args.jobs, args.now):
                sys.stdout.write(text)
                sys.stdout.flush()
    return ExitCode.OK


def _cmd_infer(args) -> ExitCode:
    import datetime as dt

    from stackgen.engines.local import LocalEngine
    from stackgen.infer import draft_from_logs

    logs = [(str(path.resolve()), path.read_bytes()) for path in args.logs]
    name = args.name or args.logs[0].stem
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    print(f"infer: reading {sum(len(d) for _, d in logs)} bytes from {len(logs)} file(s)", file=sys.stderr)
    if args.output.exists() and any(args.output.iterdir()):
        raise UsageError(f"{args.output}: not empty; infer writes a new directory")
    draft, _ = draft_from_logs(logs, name, now, progress=lambda line: print(line, file=sys.stderr))
    model = stackgen.parse_schema(draft.schema, str(args.output / "schema.yaml"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{args.output.name}.", dir=args.output.parent))
    try:  # everything is written aside, then moved into place: nothing half-written
        (staging / "schema.yaml").write_text(draft.schema, encoding="utf-8")
        for path, (_, data) in zip(args.logs, logs):
            (staging / (path.stem + ".log")).write_bytes(data)
        report = stackgen.verify(model, staging, LocalEngine(model), generate=True, require_coverage=False)
        (staging / "report.md").write_text(draft.report(), encoding="utf-8")
        if args.output.exists():
            args.output.rmdir()
        staging.rename(args.output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if args.assignments:
        args.assignments.write_text(draft.assignments(), encoding="utf-8")
    print(draft.report())
    print(f"wrote {args.output / 'schema.yaml'}, the samples and their goldens ({report.human().splitlines()[-1]})")
    return ExitCode.OK


def _cmd_verify(args) -> ExitCode:
    schema = args.schema or stackgen.samples_schema(args.samples)
    model = stackgen.load_schema(schema)
    with _engine(args, model) as engine:
        report = stackgen.verify(model, args.samples, engine, args.generate, not args.no_coverage)
    print(report.human())
    if args.junit:
        args.junit.parent.mkdir(parents=True, exist_ok=True)
        args.junit.write_text(report.junit(), encoding="utf-8")
    if report.errors:
        return ExitCode.ENVIRONMENT
    return ExitCode.OK if report.ok else ExitCode.MISMATCH


def _cmd_detect(args) -> ExitCode:
    from stackgen import detect
    from stackgen.engines.framing import frame_stream

    model = stackgen.load_schema(args.schema)
    skipped = [d.id for d in model.detections if not d.runnable]
    if skipped:
        print(f"stackgen: note: {', '.join(skipped)}: machine-learning jobs run only in a licensed cluster",
              file=sys.stderr)
    count = [0]

    def records():  # framed as read: the local engine keeps only what the rules need of each
        for path in args.files or [None]:
            with (open(path, "rb") if path else contextlib.nullcontext(sys.stdin.buffer)) as stream:
                for record in frame_stream(model, stream, str(path or "<stdin>")):
                    count[0] += 1
                    yield record

    with _engine(args, model) as engine:
        found = detect.alerts(model, records(), engine)
    sys.stdout.write(detect.dumps(found))
    print(f"detect: {count[0]} records, {len(found)} alerts", file=sys.stderr)
    return ExitCode.OK


def _cmd_engine(args) -> ExitCode:
    from stackgen.engines import embedded

    if args.action == "start":
        info = embedded.start_background(progress=_progress)
        print(f"embedded Elasticsearch {info['version']} at {info['url']} (pid {info['pid']})")
    elif args.action == "stop":
        print("stopped" if embedded.stop_background() else "not running")
    else:
        info = embedded.status()
        print(f"running at {info['url']} (pid {info['pid']})" if info else "not running")
        return ExitCode.OK if info else ExitCode.MISMATCH
    return ExitCode.OK


def _progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def _engine(args, model):
    """The engine named by --engine, released when the block ends."""
    from stackgen.engines import EngineOptions, open_engine

    options = EngineOptions(es_url=args.es_url, user=args.user, password=args.password, api_key=args.api_key,
                            ca_cert=args.ca_cert, stack_dir=args.stack_dir, now=args.now, progress=_progress)
    return open_engine(args.engine, model, options)


def _cmd_preview(args) -> ExitCode:
    from stackgen.preview import preview

    if args.engine not in ("embedded", "elasticsearch"):
        raise UsageError("preview draws real query results: use --engine embedded or elasticsearch")
    model = stackgen.load_schema(args.schema or stackgen.samples_schema(args.samples))
    with _engine(args, model) as engine:
        for path in preview(model, args.samples, engine, args.output):
            print(f"wrote {path}")
    return ExitCode.OK


def _cmd_up(args) -> ExitCode:
    from stackgen import deploy
    from stackgen.targets.compose import DEFAULT_STACK_VERSION

    model = stackgen.load_schema(args.schema)
    where = deploy.up(model, args.dir, args.logs, args.stack_version or DEFAULT_STACK_VERSION, args.nodes,
                      progress=_progress)
    print(f"Kibana:        {where['kibana']}  (user {where['user']})")
    print(f"Elasticsearch: {where['elasticsearch']}")
    print(f"Credentials:   {where['credentials']} (mode 0600)")
    return ExitCode.OK


def _cmd_down(args) -> ExitCode:
    from stackgen import deploy

    deploy.down(args.dir, args.volumes, progress=_progress)
    return ExitCode.OK


def _cmd_status(args) -> ExitCode:
    from stackgen import deploy

    print(deploy.status(args.dir))
    return ExitCode.OK


COMMANDS = {"validate": _cmd_validate, "render": _cmd_render, "parse": _cmd_parse, "verify": _cmd_verify,
            "engine": _cmd_engine, "detect": _cmd_detect, "infer": _cmd_infer, "preview": _cmd_preview, "up": _cmd_up, "down": _cmd_down, "status": _cmd_status,
            "classify": _cmd_classify}


def _os_message(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else ""
    return f"{where}: {exc.strerror}" if where and exc.strerror else str(exc)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code (never raises for user or environment errors)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(COMMANDS[args.command](args))
    except StackgenError as exc:
        print(f"stackgen: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except BrokenPipeError:
        # the reader went away (`stackgen parse ... | head -1`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        print(f"stackgen: error: {_os_message(exc)}", file=sys.stderr)
        return int(ExitCode.USAGE)
    except OSError as exc:  # permissions, a full disk, a read-only file system
        print(f"stackgen: error: {_os_message(exc)}", file=sys.stderr)
        return int(ExitCode.ENVIRONMENT)
    except KeyboardInterrupt:
        print("stackgen: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())
