"""Manifests shared by several test modules."""

PLAIN = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: plain
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
  - host: plain.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: plain, port: {number: 80}}
"""
