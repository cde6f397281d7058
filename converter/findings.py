"""Findings: the one model for everything ing2gw has to tell about a conversion.

A finding has a stable code (kebab-case), a severity, the object it is about, the annotation or field,
a message (what behaviour changes), a hint (what to do) and the source location (file, line).
The registry `CODES` is the single source of the README's finding-codes table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    summary: str


def _codes(*rows: tuple[str, str, str]) -> dict[str, Code]:
    return {c: Code(c, Severity.parse(s), text) for c, s, text in rows}


CODES: dict[str, Code] = _codes(
    # reading
    ("read-error", "error", "A file could not be read or decoded; the other files still convert."),
    ("parse-error", "error", "Malformed YAML or JSON; the documents around it still convert."),
    ("invalid-object", "error", "An Ingress is malformed (missing or mistyped field): an API server rejects it; it is "
     "not converted (one without a name is converted under a generated one)."),
    ("namespace-missing", "info",
     "The Ingress has no namespace (kubectl applies it to its current one): neither have its objects; pass "
     "--namespace to set one."),
    ("duplicate-object", "warning", "The same Ingress (namespace/name) appears twice; both are converted."),
    # selection
    ("ingress-skipped", "info", "The Ingress belongs to a class or controller that was not selected."),
    ("provider-ambiguous", "warning",
     "Class nginx without an IngressClass or vendor annotations: ingress-nginx and F5 NGINX both claim it."),
    ("provider-unknown", "warning", "No controller could be determined; converted with vendor-neutral semantics."),
    ("ingress-ignored-by-controller", "error",
     "The source controller ignored this whole Ingress (a snippet, an invalid annotation value, a Middleware it "
     "rejected); the output serves it."),
    # annotations (status of each annotation)
    ("annotation-unknown", "warning", "An annotation no mapping table knows (a typo, or a controller or tool ing2gw "
     "does not cover); it is not carried over."),
    ("annotation-approximated", "warning", "The annotation is converted, but the behaviour differs as described."),
    ("annotation-needs-experimental", "warning",
     "Expressible only with the experimental channel (--channel experimental)."),
    ("annotation-implementation-specific", "warning",
     "Expressible only with an implementation's own policy or filter; not converted."),
    ("annotation-unsupported", "warning", "No Gateway API equivalent; the behaviour is lost."),
    ("annotation-invalid-value", "error", "The annotation value is invalid; the annotation is not converted."),
    ("security-not-enforced", "error",
     "A security control (allow-list, auth, TLS redirect, rate limit, WAF, snippet) is not carried over: "
     "the output is more permissive than the source."),
    ("annotation-not-string", "warning",
     "An annotation value is a YAML number or boolean: kubectl rejects the manifest; read as its text."),
    ("annotation-ignored", "info", "The annotation has no effect on routing (tooling metadata) and is not carried."),
    # routing semantics
    ("path-implementation-specific", "warning",
     "pathType ImplementationSpecific with no known controller semantics: converted as a segment prefix."),
    ("path-prefix-by-characters", "warning",
     "The controller matched this prefix by characters; converted to an equivalent regular expression."),
    ("path-regex", "warning",
     "Converted to a RegularExpression match, whose dialect and precedence are implementation-specific."),
    ("path-regex-host-wide", "warning",
     "Regex mode of another Ingress on the same host changed how this Ingress's paths match."),
    ("path-invalid", "error", "The path cannot be expressed as a Gateway API match; the path is not converted."),
    ("path-type-invalid", "error", "Unknown pathType; the path is converted as the controller would, or dropped."),
    ("grpc-path-unsupported", "warning",
     "A path of a gRPC route is not a /service/method name (a regex, or characters gRPC names cannot have); a "
     "GRPCRoute cannot match it, so it is left out."),
    ("precedence-changed", "warning",
     "The controller ranked routes differently from Gateway API's fixed precedence (Traefik: rule length or "
     "router.priority; Kong: more match criteria before longer paths); the output keeps the controller's winner "
     "or reports the pair."),
    ("grpc-filter-unsupported", "warning",
     "A GRPCRoute has no such filter or field (rewrites, redirects, CORS, timeouts); it is not applied to gRPC calls."),
    ("path-duplicate", "warning", "Two Ingresses route the same host and path; the controller's winner is kept."),
    ("wildcard-host", "warning",
     "A wildcard host matches exactly one label in Ingress but one or more labels in Gateway API."),
    ("host-invalid", "error",
     "The host is not a valid hostname (a template placeholder?); its rules are not converted."),
    ("host-uppercase", "warning",
     "The host has upper-case letters (an API server rejects them); converted lower-cased."),
    ("default-backend", "info", "spec.defaultBackend converted to a lowest-precedence catch-all rule."),
    ("backend-port-unresolved", "error",
     "A Service port given by name could not be resolved to a number (Gateway API needs a number); "
     "the backend is left out and the rule answers 500."),
    ("backend-port-invalid", "error", "A Service port number is out of range (1-65535); the backend is left out."),
    ("backend-missing", "error", "A path has no backend; the rule answers 500."),
    ("backend-resource", "warning", "A resource backend (not a Service) is kept as a backendRef; support varies."),
    ("backend-protocol", "info", "The backend protocol (appProtocol) changes the route kind or backend TLS."),
    # TLS and listeners
    ("tls-default-certificate", "warning",
     "The controller served this host with its default certificate; the Gateway listener needs a real one."),
    ("tls-secret-conflict", "warning", "Several certificates for one host; the controller's choice is kept."),
    ("tls-redirect", "info", "HTTP requests are redirected to HTTPS as the source controller did."),
    ("tls-hsts", "info", "The Strict-Transport-Security header the controller added is set on HTTPS responses."),
    ("tls-cross-namespace", "info", "A certificate in another namespace is granted by a ReferenceGrant."),
    ("listener-split", "info", "More than 64 listeners: the rest are in ListenerSets attached to the Gateway."),
    ("route-split", "info",
     "The route exceeded a Gateway API limit (16 rules, 128 matches, 16 hostnames) and was split."),
    ("name-shortened", "info", "A generated name was too long or collided and was shortened with a hash."),
    ("canary-without-primary", "error",
     "A canary Ingress has no primary Ingress for its host and path; the controller dropped it, so does ing2gw."),
    ("canary-merged", "info", "The canary Ingress was merged into its primary's routes as weights and matches."),
    # output
    ("accept-unknown-code", "warning",
     "ing2gw.io/accept names a finding code that does not exist; it accepts nothing."),
    ("output-invalid", "error",
     "A generated object does not validate against the Gateway API CRDs (a bug; report it)."),
    ("unexplained-change", "error", "The output routes differently from the input and no finding explains it."),
)


def register(*rows: tuple[str, str, str]) -> None:
    """Add finding codes (code, severity, summary) from a vendor module; a code is registered once."""
    for code in _codes(*rows).values():
        if code.code in CODES and CODES[code.code] != code:
            raise ValueError(f"finding code {code.code!r} registered twice with different meanings")
        CODES[code.code] = code


@dataclass(slots=True)
class Finding:
    """One thing to tell about the conversion; `code` is a key of CODES."""

    code: str
    message: str
    severity: Severity | None = None
    kind: str = ""
    namespace: str = ""
    name: str = ""
    annotation: str = ""
    file: str = ""
    line: int = 0
    hint: str = ""
    accepted: bool = False
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity is None:
            self.severity = CODES[self.code].severity

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.namespace, self.name, self.code, self.annotation, self.message)

    def to_dict(self) -> dict:
        d = {
            "code": self.code,
            "severity": str(self.severity),
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "annotation": self.annotation,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        }
        if self.hint:
            d["hint"] = self.hint
        if self.accepted:
            d["accepted"] = True
        return d
