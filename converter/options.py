"""Conversion options: every CLI flag of `convert` lands here; the library API takes the same object."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Options:
    provider: str | None = None  # force one vendor for every Ingress
    ingress_classes: tuple[str, ...] = ()  # convert only these classes (empty: all)
    gateway_class: str | None = None  # GatewayClass name (default: the Ingress class name)
    controller_name: str | None = None  # emit a GatewayClass with this controllerName
    gateway_mode: str = "per-namespace"  # per-namespace | shared
    gateway: str | None = None  # Gateway name (shared mode; per-namespace: default the class name)
    gateway_namespace: str | None = None  # shared mode
    channel: str = "standard"  # standard | experimental
    default_certificate: str | None = None  # NAMESPACE/NAME of the controller's default certificate
    annotations_prefix: str = "nginx.ingress.kubernetes.io"  # ingress-nginx --annotations-prefix
    traefik_entrypoints: dict[str, tuple[int, str]] = field(default_factory=dict)  # NAME -> (port, protocol)
    traefik_strict_prefix: bool = False
    namespace: str | None = None  # the namespace of objects that have none (as `kubectl apply -n NS`)
    crds: tuple[str, ...] = ()  # validate the output against these CRDs (output-invalid findings)

    @property
    def experimental(self) -> bool:
        return self.channel == "experimental"
