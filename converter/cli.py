"""The command line: parses flags, does I/O and sets exit codes. Everything else is in the library.

Exit codes (README "Exit codes"): 0 done; 1 findings at or above --fail-on, or --check found a difference;
2 usage error, unreadable path or config file; 3 internal error.
Every flag also reads ING2GW_<FLAG> (e.g. ING2GW_FAIL_ON=warning), then .ing2gw.yaml, then the built-in default.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from . import __version__, config, formats, report, serialize
from .findings import CODES, Severity
from .loader import LoadResult, PathError, load_paths
from .options import Options
from .pipeline import Result, convert

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FAIL_ON = ("error", "warning", "info", "never")
PROVIDERS = ("ingress-nginx", "nginx-inc", "traefik", "kong", "haproxy", "generic")
ENV_PREFIX = "ING2GW"  # one convention for every command: ING2GW_FAIL_ON, ING2GW_CHANNEL, ING2GW_REPORT, ...
COMMAND_SETTINGS = {"auto_envvar_prefix": ENV_PREFIX, "help_option_names": ["-h", "--help"]}


def _entrypoints(values: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    out = {}
    for v in values:
        name, _, rest = v.partition("=")
        port, _, proto = rest.partition("/")
        if not name or not port.isdigit() or proto.upper() not in ("HTTP", "HTTPS", ""):
            raise click.BadParameter(f"{v!r}: expected NAME=PORT/PROTOCOL, like admin=8443/HTTPS")
        out[name] = (int(port), proto.upper() or "HTTP")
    return out


def _fails(result: Result, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    worst = result.max_severity()
    return worst is not None and worst >= Severity.parse(fail_on)


# -- shared flags ---------------------------------------------------------------------------------------------------


def _load_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Eager: read .ing2gw.yaml (or --config) before the other flags, as their defaults (click default_map)."""
    try:
        cfg = config.load(config.find(value))
        every = {flag for cmd in _commands(ctx).values() for flag in _flags(cmd)}
        unknown = cfg.unknown_keys(every)
        if unknown:
            raise config.ConfigError(f"{cfg.path}: no command has the flag{'s' if len(unknown) > 1 else ''} "
                                     + ", ".join("--" + k.replace("_", "-") for k in unknown))
        defaults = _typed(ctx.command, cfg.for_command(ctx.command.name or "", _flags(ctx.command)))
    except config.ConfigError as err:
        raise click.BadParameter(str(err), ctx=ctx, param_hint="--config") from None
    ctx.meta["ing2gw.config"] = cfg
    if defaults:
        ctx.default_map = {**(ctx.default_map or {}), **defaults}
    return value


def _typed(cmd: click.Command, defaults: dict[str, Any]) -> dict[str, Any]:
    """Config values as click reads them: a single value for a repeatable flag is a list of one; YAML numbers and
    booleans as the text a user would type (click converts strings, not ints, for flags and choices)."""
    params = {p.name: p for p in cmd.params if isinstance(p, click.Option)}
    out = {}
    for name, value in defaults.items():
        p = params.get(name)
        if p is not None and p.multiple and not isinstance(value, list):
            value = [value]
        try:
            if isinstance(value, list):
                value = [v if isinstance(v, str) else _text(v) for v in value]
            elif not isinstance(value, str) and value is not None:
                value = _text(value)
        except config.ConfigError as err:
            raise config.ConfigError(f"{name.replace('_', '-')}: {err}") from None
        out[name] = value
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise config.ConfigError(f"expected a value or a list of values, got {value!r}")


def _commands(ctx: click.Context) -> dict[str, click.Command]:
    group = ctx.parent.command if ctx.parent is not None else None
    return getattr(group, "commands", None) or {ctx.command.name or "": ctx.command}


def _flags(cmd: click.Command) -> dict[str, str]:
    """Flag names as the config file spells them (`fail_on`, `report`, `ingress_class`) -> click parameter names."""
    out = {}
    for p in cmd.params:
        if isinstance(p, click.Option) and p.name and p.name != "config":
            for opt in p.opts:
                if opt.startswith("--"):
                    out[opt[2:].replace("-", "_")] = p.name
    return out


def _set_envvars(group: click.Group) -> None:
    """ING2GW_<LONG FLAG NAME> for every option of every command (ING2GW_FAIL_ON, ING2GW_REPORT, ING2GW_OUTPUT):
    one convention, the flag's own name, instead of click's ING2GW_<COMMAND>_<PARAMETER>."""
    for cmd in group.commands.values():
        for p in cmd.params:
            if isinstance(p, click.Option) and p.envvar is None:
                longs = [o for o in p.opts if o.startswith("--")]
                if longs:
                    p.envvar = f"{ENV_PREFIX}_{longs[0][2:].replace('-', '_').upper()}"
                    p.show_envvar = True


def config_option(f: Callable) -> Callable:
    return click.option("--config", "config", metavar="FILE", is_eager=True, expose_value=False,
                        callback=_load_config,
                        help="Configuration file: defaults for every flag and accepted findings.  "
                             "[default: ./.ing2gw.yaml when present]")(f)


def conversion_options(f: Callable) -> Callable:
    """The flags that shape a conversion (shared by convert and diff)."""
    opts = [
        click.option("--provider", type=click.Choice(PROVIDERS),
                     help="Treat every Ingress as served by this controller."),
        click.option("--ingress-class", "ingress_classes", multiple=True, metavar="CLASS",
                     help="Convert only Ingresses of this class (repeatable); the others are reported as skipped."),
        click.option("--gateway-class", help="gatewayClassName of the Gateways.  [default: the Ingress class name]"),
        click.option("--controller-name", help="Also emit the GatewayClass, with this spec.controllerName."),
        click.option("--gateway-mode", type=click.Choice(["per-namespace", "shared"]), default="per-namespace",
                     show_default=True, help="A Gateway per namespace and class, or one shared Gateway."),
        click.option("--gateway", "gateway_name", metavar="NAME",
                     help="Gateway name.  [default: the Ingress class name; 'ing2gw' in shared mode]"),
        click.option("--gateway-namespace", metavar="NS", help="Namespace of the shared Gateway (shared mode)."),
        click.option("--channel", type=click.Choice(["standard", "experimental"]), default="standard",
                     show_default=True, help="Gateway API release channel the output may use."),
        click.option("--default-certificate", metavar="NS/NAME",
                     help="The Secret the controller served TLS hosts without a certificate of their own with."),
        click.option("--annotations-prefix", default="nginx.ingress.kubernetes.io", show_default=True,
                     help="ingress-nginx's --annotations-prefix."),
        click.option("--traefik-entrypoint", "entrypoints", multiple=True, metavar="NAME=PORT/PROTOCOL",
                     help="A Traefik entry point beyond web (80/HTTP) and websecure (443/HTTPS) (repeatable)."),
        click.option("--traefik-strict-prefix", is_flag=True, help="Traefik ran with strict prefix matching."),
        click.option("-n", "--namespace", metavar="NS",
                     help="The namespace of input objects that have none (as kubectl apply -n NS)."),
        click.option("--crds", "crds", multiple=True, metavar="PATH",
                     help="Also validate the output against these CRDs (install YAML or folder; repeatable): a "
                          "failure is an output-invalid finding."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
                     help="Exit 1 when a finding (not accepted) reaches this severity."),
        click.option("--report", "reports", multiple=True, metavar="[FORMAT:]FILE",
                     help="Write a report: FORMAT is text, md, json, sarif, github or junit; FILE '-' is stdout; "
                          "a bare FILE is JSON (repeatable)."),
        config_option,
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _options(kw: dict[str, Any]) -> Options:
    if kw["gateway_mode"] == "shared" and not kw["gateway_namespace"]:
        raise click.UsageError("--gateway-mode shared needs --gateway-namespace")
    return Options(provider=kw["provider"], ingress_classes=tuple(kw["ingress_classes"]),
                   gateway_class=kw["gateway_class"], controller_name=kw["controller_name"],
                   gateway_mode=kw["gateway_mode"], gateway=kw["gateway_name"],
                   gateway_namespace=kw["gateway_namespace"], channel=kw["channel"],
                   default_certificate=kw["default_certificate"], annotations_prefix=kw["annotations_prefix"],
                   traefik_entrypoints=_entrypoints(tuple(kw["entrypoints"])),
                   traefik_strict_prefix=kw["traefik_strict_prefix"], crds=_existing(kw["crds"]),
                   namespace=kw["namespace"])


def _existing(paths: tuple[str, ...]) -> tuple[str, ...]:
    for p in paths:
        if not os.path.exists(p):
            raise click.UsageError(f"--crds: no such file or directory: {p}")
    return tuple(paths)


def _report_specs(reports: tuple[str, ...]) -> list[tuple[str, str]]:
    try:
        return [formats.parse_spec(r) for r in reports]
    except formats.ReportSpecError as err:
        raise click.BadParameter(str(err), param_hint="--report") from None


def _load(paths: tuple[str, ...] | list[str]) -> LoadResult:
    try:
        return load_paths(paths)
    except PathError as err:
        raise click.UsageError(str(err)) from None


def _accept(result: Result) -> None:
    cfg = click.get_current_context().meta.get("ing2gw.config")
    if cfg is not None and cfg.accept:
        config.apply_accepts(result.findings, cfg.accept)


def _unreadable(result: Result) -> bool:
    bad = [f for f in result.findings if f.code == "read-error"]
    for f in bad:
        click.echo(f"ing2gw: {f.file}: {f.message}", err=True)
    return bool(bad)


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


# -- commands -------------------------------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": ENV_PREFIX})
@click.version_option(__version__, "--version", prog_name="ing2gw")
def main() -> None:
    """Migrate Kubernetes Ingress manifests to Gateway API v1.6, reporting what cannot be carried over.

    Exit codes: 0 done; 1 findings at or above --fail-on, or --check found a difference; 2 usage error or
    unreadable path; 3 internal error. Every flag reads ING2GW_<FLAG> too (ING2GW_FAIL_ON=warning), and
    .ing2gw.yaml in the current directory (or --config FILE) holds defaults and accepted findings.
    """


@main.command("convert", context_settings=COMMAND_SETTINGS)
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "fmt", type=click.Choice(["yaml", "json", "none"]), default="yaml", show_default=True,
              help="Manifest format: multi-document YAML, a JSON List, or none (findings and reports only).")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Write one file per object here, not stdout.")
@click.option("--check", "check_dir", metavar="DIR", type=click.Path(),
              help="Write nothing; exit 1 when the Gateway API manifests committed in DIR differ semantically from "
                   "a fresh conversion, printing the difference.")
@click.option("--intent-check/--no-intent-check", "intent_check", default=None,
              help="Read the output back and report every routing difference no finding explains "
                   "(unexplained-change).  [default: on with --report or --check]")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@conversion_options
def convert_cmd(paths: tuple[str, ...], fmt: str, output_dir: str | None, check_dir: str | None,
                intent_check: bool | None, quiet: bool, fail_on: str, reports: tuple[str, ...], **kw: Any) -> None:
    """Convert the Ingresses in PATHS (files, folders, '-' for stdin) to Gateway API manifests."""
    options = _options(kw)
    specs = _report_specs(reports)
    loaded = _load(paths)
    committed = None
    if check_dir is not None:
        if not os.path.exists(check_dir):
            raise click.UsageError(f"--check: no such file or directory: {check_dir}")
        committed = _load([check_dir])
    result = convert(loaded, options)
    broken_committed = False
    if committed is not None:
        from . import diff

        for f in committed.findings:
            if f.code in ("read-error", "parse-error"):  # cannot compare what cannot be read: a usage error
                click.echo(f"ing2gw: --check: {f.file}{f':{f.line}' if f.line else ''}: {f.message}", err=True)
                broken_committed = True
        gw_ids = {id(d) for d in diff.gateway_objects(committed)}
        others = sorted({o.kind for o in committed.objects if id(o.data) not in gw_ids})
        if not gw_ids:
            click.echo(f"ing2gw: --check: {check_dir} holds no Gateway API objects ({committed.files} file"
                       f"{'s' if committed.files != 1 else ''} read)", err=True)
        elif others and not quiet:
            click.echo(f"ing2gw: --check: ignoring what is not a Gateway API object in {check_dir}: "
                       + ", ".join(others), err=True)
    if intent_check or (intent_check is None and (specs or check_dir is not None)):
        from . import intent

        intent.apply(result, options)
    _accept(result)
    status = EXIT_FINDINGS if _fails(result, fail_on) else EXIT_OK
    check_report = None
    if committed is not None:
        from . import diff

        differences = diff.check(result.objects, diff.gateway_objects(committed))
        check_report = formats.CheckReport(check_dir, differences)
        for line in differences:  # on stderr, like black --check: stdout stays for reports (`--report json:-`)
            click.echo(line, err=True)
        if differences:
            n = sum(1 for d in differences if not d.startswith(" "))
            click.echo(f"ing2gw: {n} object{'s' if n != 1 else ''} in {check_dir} differ from a fresh conversion "
                       f"(to update them: rm -rf {check_dir} and run ing2gw convert ... --output-dir {check_dir})",
                       err=True)
            status = EXIT_FINDINGS
        elif not quiet:
            click.echo(f"ing2gw: {check_dir} is up to date", err=True)
    elif output_dir and fmt != "none":
        serialize.write_dir(result.objects, output_dir, fmt)
    elif fmt != "none":
        serialize.write(result.objects, fmt, sys.stdout)
    for name, target in specs:
        color = target == "-" and formats.use_color(sys.stdout)
        _write(target, report.to_json(result) if name == "json" and check_report is None else
               formats.render(name, result, fail_on=fail_on, color=color, check=check_report))
    if not quiet:
        click.echo(report.render_summary(result), err=True, nl=False)
    sys.exit(EXIT_USAGE if _unreadable(result) or broken_committed else status)


@main.command("diff", context_settings=COMMAND_SETTINGS)
@click.argument("paths", nargs=-1)
@click.option("--base", "base", multiple=True, metavar="PATH",
              help="The old version of the manifests (repeatable): Ingresses, Gateway API objects, or both.")
@click.option("--head", "head", multiple=True, metavar="PATH", help="The new version of the manifests (repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(formats.FORMATS), default="text", show_default=True,
              help="Format of the diff on stdout.")
@conversion_options
def diff_cmd(paths: tuple[str, ...], base: tuple[str, ...], head: tuple[str, ...], fmt: str, fail_on: str,
             reports: tuple[str, ...], **kw: Any) -> None:
    """Show what the Gateway API output does for each Ingress, or what changed between two versions.

    `ing2gw diff PATH...`: per Ingress, its paths beside what the generated objects do, every lost or changed
    behaviour with its annotation, line and what to do; routing differences no finding explains are errors.

    `ing2gw diff --base OLD --head NEW`: which hosts and paths route differently and which findings are new or
    gone, ignoring order, formatting and comments. Exit 1 when a new finding reaches --fail-on.
    """
    options = _options(kw)
    specs = _report_specs(reports)
    if base or head:
        if paths:
            raise click.UsageError("give either PATH... or --base and --head, not both")
        if not (base and head):
            raise click.UsageError("--base and --head go together")
        from . import diff

        changes = diff.compare(_load(base), _load(head), options)
        for r in (changes.base.result, changes.head.result):
            _accept(r)
        sys.stdout.write(formats.render_changes(fmt, changes, fail_on=fail_on, color=formats.use_color(sys.stdout)))
        for name, target in specs:
            _write(target, formats.render_changes(name, changes, fail_on=fail_on))
        unreadable = _unreadable(changes.base.result) | _unreadable(changes.head.result)
        sys.exit(EXIT_USAGE if unreadable else EXIT_FINDINGS if changes.failing(fail_on) else EXIT_OK)
    if not paths:
        raise click.UsageError("give PATH... (or --base OLD --head NEW)")
    from . import intent

    result = convert(_load(paths), options)
    intents = intent.apply(result, options)
    _accept(result)
    title = "ing2gw diff"
    sys.stdout.write(formats.render(fmt, result, fail_on=fail_on, intents=intents, title=title,
                                    color=formats.use_color(sys.stdout)))
    for name, target in specs:
        _write(target, formats.render(name, result, fail_on=fail_on, intents=intents, title=title))
    sys.exit(EXIT_USAGE if _unreadable(result) else EXIT_FINDINGS if _fails(result, fail_on) else EXIT_OK)


@main.command("codes", context_settings=COMMAND_SETTINGS)
@click.option("-f", "--format", "fmt", type=click.Choice(["md", "text", "json"]), default="text", show_default=True)
def codes_cmd(fmt: str) -> None:
    """List every finding code with its severity and meaning (the README's table is `ing2gw codes -f md`)."""
    sys.stdout.write(codes_table(fmt))


def _register_all_codes() -> None:
    """Vendor modules register their codes at import: import every one, and every mapping table's handlers."""
    import importlib
    import pkgutil

    from . import vendors
    from .data import data_file
    from .mapping import load_table

    for mod in pkgutil.iter_modules(vendors.__path__):
        importlib.import_module(f"{vendors.__name__}.{mod.name}")
    folder = data_file("mappings", "common.yaml")
    for entry in sorted(folder.parent.iterdir() if hasattr(folder, "parent") else (), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            load_table(entry.name)


def codes_table(fmt: str = "md") -> str:
    _register_all_codes()
    rows = sorted(CODES.values(), key=lambda c: (-int(c.severity), c.code))
    if fmt == "json":
        import json

        return json.dumps([{"code": c.code, "severity": str(c.severity), "summary": c.summary} for c in rows],
                          indent=2) + "\n"
    if fmt == "text":
        width = max(len(c.code) for c in rows)
        return "".join(f"{c.code:<{width}}  {str(c.severity):<7}  {c.summary}\n" for c in rows)
    lines = ["| Code | Severity | Meaning |", "|---|---|---|"]
    lines += [f"| `{c.code}` | {c.severity} | {c.summary.replace('|', chr(92) + '|')} |" for c in rows]
    return "\n".join(lines) + "\n"


@main.command("validate", context_settings=COMMAND_SETTINGS)
@click.argument("files", nargs=-1, required=True)
@click.option("--crds", "crds", multiple=True, required=True, metavar="PATH",
              help="Gateway API CRDs: a release's install YAML or a folder of CRD files (repeatable).")
def validate_cmd(files: tuple[str, ...], crds: tuple[str, ...]) -> None:
    """Check Gateway API objects in FILES against CRDs: OpenAPI schema and CEL rules, as an API server would."""
    from .validate import load_crds, validate_documents

    for p in crds:
        if not os.path.exists(p):
            raise click.UsageError(f"no such file or directory: {p}")
    loaded = _load(files)
    crdset = load_crds(crds)
    errors = 0
    for f in loaded.findings:
        click.echo(f"{f.file}:{f.line}: {f.message}", err=True)
        errors += 1
    objs = loaded.objects
    for index, err in validate_documents([o.data for o in objs], crdset):
        o = objs[index]
        click.echo(f"{o.file}:{o.line}: {o.kind} {o.key}: {err.path}: {err.message}")
        errors += 1
    click.echo(f"ing2gw validate: {len(objs)} object{'s' if len(objs) != 1 else ''}, {errors} "
               f"error{'s' if errors != 1 else ''}", err=True)
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


_set_envvars(main)


def run() -> None:
    """Entry point: click's own exit codes (2 for usage errors), and no traceback, ever."""
    gc.disable()  # a batch run allocates many long-lived objects and few cycles: no collector pauses
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - the promise is: no traceback on the terminal
        if os.environ.get("ING2GW_DEBUG"):
            traceback.print_exc()
        click.echo(f"ing2gw: internal error: {type(err).__name__}: {err} (set ING2GW_DEBUG=1 for details; "
                   "please report it)", err=True)
        sys.exit(EXIT_INTERNAL)

