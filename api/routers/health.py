"""Liveness for orchestrators (compose, Kubernetes)."""

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process answers. (Database readiness is a separate question.)"""
    return {"status": "ok"}
