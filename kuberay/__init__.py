"""Drisya on Kubernetes: KubeRay manifests (base + overlays), their renderer and checks (`python -m kuberay.render`)."""
