"""The conversion context: options, the objects kept for lookups, and the findings being collected."""

from __future__ import annotations

from collections import defaultdict

from .findings import Finding, Severity
from .model import Ingress, Obj
from .options import Options


class Inventory:
    """Objects other than Ingresses, indexed for lookups (Services, IngressClasses, ConfigMaps, vendor CRDs)."""

    def __init__(self, objects: list[Obj]) -> None:
        self.by_kind: dict[str, dict[tuple[str, str], Obj]] = defaultdict(dict)
        for o in objects:
            if o.kind != "Ingress":
                self.by_kind[o.kind].setdefault((o.namespace, o.name), o)

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        return self.by_kind.get(kind, {}).get((namespace, name))

    def all(self, kind: str) -> list[Obj]:
        return list(self.by_kind.get(kind, {}).values())

    def service_port(self, namespace: str, service: str, port_name: str) -> int | None:
        """The number of a Service port given by name, or None when the Service or port is not in the input."""
        svc = self.get("Service", namespace, service)
        if svc is None:
            return None
        for p in (svc.data.get("spec") or {}).get("ports") or []:
            if isinstance(p, dict) and p.get("name") == port_name and isinstance(p.get("port"), int):
                return p["port"]
        return None

    def service_app_protocol(self, namespace: str, service: str, port: int | None) -> str | None:
        svc = self.get("Service", namespace, service)
        if svc is None:
            return None
        for p in (svc.data.get("spec") or {}).get("ports") or []:
            if isinstance(p, dict) and (port is None or p.get("port") == port):
                return p.get("appProtocol")
        return None


class Context:
    def __init__(self, options: Options, inventory: Inventory) -> None:
        self.options = options
        self.inventory = inventory
        self.findings: list[Finding] = []

    def report(self, ing: Ingress | Obj | None, code: str, message: str, *, annotation: str = "",
               line: int | None = None, hint: str = "", severity: Severity | None = None) -> Finding:
        """Record a finding about an Ingress (or any object), located at `line` or at the annotation's line."""
        obj = ing.obj if isinstance(ing, Ingress) else ing
        if line is None and obj is not None:
            line = obj.line_of("metadata", "annotations", annotation) if annotation else obj.line
        f = Finding(code, message, severity=severity, annotation=annotation, hint=hint, line=line or 0,
                    kind=obj.kind if obj else "", namespace=obj.namespace if obj else "",
                    name=obj.name if obj else "", file=obj.file if obj else "")
        self.findings.append(f)
        return f
