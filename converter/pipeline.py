"""convert(): loader -> Ingress normalizer -> vendor mapping -> routing model -> planner -> emitter."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import vendors
from .build import build_rules
from .context import Context, Inventory
from .findings import CODES, Finding, Severity
from .ingress import ClassResolver, InvalidIngress, normalize, resolve_vendor
from .loader import LoadResult
from .mapping import apply_annotations
from .model import Ingress, Obj
from .options import Options
from .planner import Planner

ACCEPT_ANNOTATION = "ing2gw.io/accept"
CLUSTER_KINDS = frozenset({"IngressClass", "KongClusterPlugin", "GatewayClass", "Namespace", "ClusterIssuer"})


@dataclass
class ObjectStatus:
    """How one input Ingress ended (the report's `objects` entries)."""

    kind: str
    namespace: str
    name: str
    file: str
    line: int
    status: str  # converted | partial | failed | skipped
    vendor: str = ""
    annotations: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "namespace": self.namespace, "name": self.name, "file": self.file,
                "line": self.line, "status": self.status, "provider": self.vendor, "annotations": self.annotations}


@dataclass
class Result:
    objects: list[dict]  # Gateway API objects, in output order
    findings: list[Finding]
    statuses: list[ObjectStatus]
    ingresses: list[Ingress] = field(default_factory=list)
    files: int = 0

    def max_severity(self, include_accepted: bool = False) -> Severity | None:
        levels = [f.severity for f in self.findings if include_accepted or not f.accepted]
        return max(levels) if levels else None  # type: ignore[type-var]


def convert(loaded: LoadResult | list[Obj], options: Options | None = None) -> Result:
    """Convert loaded objects (see loader.load_paths) into Gateway API objects, findings and statuses."""
    options = options or Options()
    if isinstance(loaded, list):
        loaded = LoadResult(objects=loaded)
    if options.namespace:
        for obj in loaded.objects:  # as `kubectl apply -n NS` reads objects without a namespace
            if not obj.namespace and obj.kind not in CLUSTER_KINDS:
                obj.namespace = options.namespace
    ctx = Context(options, Inventory(loaded.objects))
    ctx.findings.extend(loaded.findings)
    statuses: list[ObjectStatus] = []
    ingresses = _normalize_all(ctx, loaded.objects, statuses)
    resolver = ClassResolver(ctx.inventory, vendors.prefixes())
    resolver.learn(ingresses)
    selected = []
    for ing in ingresses:
        resolve_vendor(ctx, resolver, ing)
        if options.ingress_classes and (ing.ingress_class or "") not in options.ingress_classes:
            ing.status = "skipped"
            ctx.report(ing, "ingress-skipped", f"class {ing.ingress_class!r} is not among the selected classes "
                       f"({', '.join(options.ingress_classes)})")
            continue
        selected.append(ing)
    _convert_by_vendor(ctx, selected)
    planner = Planner(ctx)
    planner.collect_tls(selected)
    for ing in sorted(selected, key=lambda i: (i.namespace, i.name)):
        if ing.status != "failed":
            planner.plan_ingress(ing)
    objects = planner.objects()
    if options.crds:
        _validate_output(ctx, objects, options.crds)
    _apply_accepts(ctx, ingresses)
    ctx.findings.sort(key=Finding.sort_key)
    by_object: dict[tuple, list[Finding]] = {}
    for f in ctx.findings:
        if f.kind == "Ingress":
            by_object.setdefault((f.file, f.namespace, f.name), []).append(f)
    statuses += [_status(ing, by_object.get((ing.obj.file, ing.namespace, ing.name), [])) for ing in ingresses]
    statuses.sort(key=lambda s: (s.file, s.line, s.namespace, s.name))
    return Result(objects, ctx.findings, statuses, ingresses, loaded.files)


def _normalize_all(ctx: Context, objects: list[Obj], statuses: list[ObjectStatus]) -> list[Ingress]:
    out, seen = [], set()
    for obj in objects:
        if obj.kind != "Ingress":
            continue
        if not obj.namespace:
            ctx.report(obj, "namespace-missing", "no metadata.namespace: kubectl applies this Ingress to its current "
                       "namespace, and the generated objects have no namespace either (a shared Gateway then allows "
                       "routes from all namespaces)", hint="pass --namespace NS, as for kubectl apply -n NS")
        if (obj.namespace, obj.name) in seen and obj.name:
            ctx.report(obj, "duplicate-object", f"Ingress {obj.key if obj.namespace else obj.name} appears more than "
                       "once in the input; "
                       "each copy is converted, and the generated names are made unique",
                       hint="convert each overlay or environment separately")
        seen.add((obj.namespace, obj.name))
        if not obj.name:
            obj.name = f"unnamed-{obj.line}"
            ctx.report(obj, "invalid-object", f"metadata.name is missing (an API server rejects this Ingress); "
                       f"converted under the name {obj.name!r}")
        try:
            ing = normalize(obj)
            out.append(ing)
            for key in ing.extra.pop("non_string_annotations", []):
                ctx.report(ing, "annotation-not-string", f"{key}: the value {ing.annotations[key]!r} is not a YAML "
                           "string (kubectl rejects the manifest); read as that text", annotation=key,
                           hint="quote the value")
        except InvalidIngress as err:
            ctx.report(obj, "invalid-object", str(err), line=err.line or obj.line)
            statuses.append(ObjectStatus("Ingress", obj.namespace, obj.name, obj.file, obj.line, "failed"))
    return out


def _convert_by_vendor(ctx: Context, ingresses: list[Ingress]) -> None:
    prefixes = vendors.prefixes()
    by_vendor: dict[str, list[Ingress]] = {}
    for ing in ingresses:
        by_vendor.setdefault(ing.vendor, []).append(ing)
    for name in sorted(by_vendor):
        vendor = vendors.get(name)
        group = sorted(by_vendor[name], key=Ingress.order_key)
        tables = vendor.load_tables(ctx)
        others = {v: p for v, p in prefixes.items() if v != name}
        vendor.prepare(ctx, group)
        for ing in group:
            build_rules(ctx, vendor, ing)
            for r in ing.rules:
                r.https_redirect = vendor.tls_redirect
                r.hsts = vendor.hsts
            apply_annotations(ctx, ing, tables, others)
        vendor.finish(ctx, group)


def _validate_output(ctx: Context, objects: list[dict], crds: tuple[str, ...]) -> None:
    """Check every generated object against the CRDs the user installs; a failure is a bug, said as output-invalid."""
    from .validate import load_crds

    crdset = load_crds(crds)
    for obj in objects:
        for err in crdset.validate(obj):
            meta = obj.get("metadata") or {}
            source = (meta.get("annotations") or {}).get("ing2gw.io/source", "")
            ctx.findings.append(Finding("output-invalid", f"{obj['kind']} {meta.get('name')}: {err} "
                                        f"(generated from {source or 'the input'}); please report this bug",
                                        kind=obj["kind"], namespace=meta.get("namespace", ""),
                                        name=meta.get("name", "")))


def _apply_accepts(ctx: Context, ingresses: list[Ingress]) -> None:
    """Findings an Ingress accepts (`ing2gw.io/accept: CODE,CODE`) stay visible but no longer fail the run."""
    accepted = {}
    for ing in ingresses:
        codes = {c.strip() for c in ing.annotations.get(ACCEPT_ANNOTATION, "").split(",") if c.strip()}
        for code in sorted(codes - set(CODES)):
            ctx.report(ing, "accept-unknown-code", f"{ACCEPT_ANNOTATION} names {code!r}, which is not a finding "
                       "code (see `ing2gw codes`)", annotation=ACCEPT_ANNOTATION)
        if codes:
            accepted[(ing.obj.file, ing.namespace, ing.name)] = codes
    for f in ctx.findings:
        if f.code in accepted.get((f.file, f.namespace, f.name), ()):
            f.accepted = True


def _status(ing: Ingress, mine: list[Finding]) -> ObjectStatus:
    status = ing.status
    merged = any(f.code == "canary-merged" for f in mine)  # its rules now live in the primary's routes
    if status == "converted":
        if not any(not r.dropped for r in ing.rules) and not ing.passthrough and not merged:
            status = "failed" if (ing.paths or ing.default_backend) else "converted"
        elif any(f.severity >= Severity.WARNING and f.code not in ("tls-redirect",) for f in mine):
            status = "partial"
    return ObjectStatus("Ingress", ing.namespace, ing.name, ing.obj.file, ing.obj.line, status, ing.vendor,
                        dict(sorted(ing.ann_status.items())))
