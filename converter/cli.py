"""The command line: parses flags, does I/O and sets exit codes. Everything else is in the library."""

from __future__ import annotations

import os
import sys
import traceback

import click

from . import __version__, report, serialize
from .findings import Severity
from .loader import PathError, load_paths
from .options import Options
from .pipeline import Result, convert

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FAIL_ON = ("error", "warning", "info", "never")
PROVIDERS = ("ingress-nginx", "nginx-inc", "traefik", "kong", "haproxy", "generic")


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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "ING2GW"})
@click.version_option(__version__, "--version", prog_name="ing2gw")
def main() -> None:
    """Migrate Kubernetes Ingress manifests to Gateway API v1.6, reporting what cannot be carried over."""


@main.command("convert")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True,
              help="Manifest format: multi-document YAML, or a JSON List.")
@click.option("--output-dir", type=click.Path(file_okay=False), help="Write one file per object here, not stdout.")
@click.option("--report", "reports", multiple=True, metavar="FILE",
              help="Write the JSON report (the documented contract) to FILE ('-' for stdout).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Exit 1 when a finding reaches this severity.")
@click.option("--provider", type=click.Choice(PROVIDERS), help="Treat every Ingress as served by this controller.")
@click.option("--ingress-class", "ingress_classes", multiple=True, metavar="CLASS",
              help="Convert only Ingresses of this class (repeatable); the others are reported as skipped.")
@click.option("--gateway-class", help="gatewayClassName of the Gateways.  [default: the Ingress class name]")
@click.option("--controller-name", help="Also emit the GatewayClass, with this spec.controllerName.")
@click.option("--gateway-mode", type=click.Choice(["per-namespace", "shared"]), default="per-namespace",
              show_default=True, help="A Gateway per namespace and class, or one shared Gateway.")
@click.option("--gateway", "gateway_name", metavar="NAME",
              help="Gateway name.  [default: the Ingress class name; 'ing2gw' in shared mode]")
@click.option("--gateway-namespace", metavar="NS", help="Namespace of the shared Gateway (shared mode).")
@click.option("--channel", type=click.Choice(["standard", "experimental"]), default="standard", show_default=True,
              help="Gateway API release channel the output may use.")
@click.option("--default-certificate", metavar="NS/NAME",
              help="The Secret the controller served TLS hosts without a certificate of their own with.")
@click.option("--annotations-prefix", default="nginx.ingress.kubernetes.io", show_default=True,
              help="ingress-nginx's --annotations-prefix.")
@click.option("--traefik-entrypoint", "entrypoints", multiple=True, metavar="NAME=PORT/PROTOCOL",
              help="A Traefik entry point beyond web (80/HTTP) and websecure (443/HTTPS) (repeatable).")
@click.option("--traefik-strict-prefix", is_flag=True, help="Traefik ran with strict prefix matching.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
def convert_cmd(paths: tuple[str, ...], fmt: str, output_dir: str | None, reports: tuple[str, ...], fail_on: str,
                provider: str | None, ingress_classes: tuple[str, ...], gateway_class: str | None,
                controller_name: str | None, gateway_mode: str, gateway_name: str | None,
                gateway_namespace: str | None, channel: str, default_certificate: str | None,
                annotations_prefix: str, entrypoints: tuple[str, ...], traefik_strict_prefix: bool,
                quiet: bool) -> None:
    """Convert the Ingresses in PATHS (files, folders, '-' for stdin) to Gateway API manifests."""
    if gateway_mode == "shared" and not gateway_namespace:
        raise click.UsageError("--gateway-mode shared needs --gateway-namespace")
    options = Options(provider=provider, ingress_classes=ingress_classes, gateway_class=gateway_class,
                      controller_name=controller_name, gateway_mode=gateway_mode, gateway=gateway_name,
                      gateway_namespace=gateway_namespace, channel=channel, default_certificate=default_certificate,
                      annotations_prefix=annotations_prefix, traefik_entrypoints=_entrypoints(entrypoints),
                      traefik_strict_prefix=traefik_strict_prefix)
    try:
        loaded = load_paths(paths)
    except PathError as err:
        raise click.UsageError(str(err)) from None
    result = convert(loaded, options)
    if output_dir:
        serialize.write_dir(result.objects, output_dir, fmt)
    else:
        sys.stdout.write(serialize.dump(result.objects, fmt))
    for target in reports:
        _write(target, report.to_json(result))
    if not quiet:
        click.echo(report.render_summary(result), err=True, nl=False)
    sys.exit(EXIT_FINDINGS if _fails(result, fail_on) else EXIT_OK)


@main.command("validate")
@click.argument("files", nargs=-1, required=True)
@click.option("--crds", "crds", multiple=True, required=True, metavar="PATH",
              help="Gateway API CRDs: a release's install YAML or a folder of CRD files (repeatable).")
def validate_cmd(files: tuple[str, ...], crds: tuple[str, ...]) -> None:
    """Check Gateway API objects in FILES against CRDs: OpenAPI schema and CEL rules, as an API server would."""
    from .validate import load_crds, validate_documents

    for p in crds:
        if not os.path.exists(p):
            raise click.UsageError(f"no such file or directory: {p}")
    try:
        loaded = load_paths(files)
    except PathError as err:
        raise click.UsageError(str(err)) from None
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
    click.echo(f"ing2gw validate: {len(objs)} objects, {errors} error{'s' if errors != 1 else ''}", err=True)
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)


def _write(target: str, text: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


def run() -> None:
    """Entry point: click's own exit codes (2 for usage errors), and no traceback, ever."""
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
