"""The serving container's own processes: the entrypoint that starts and supervises TorchServe, the
public edge in front of it, and the readiness probe. docker/ keeps the Dockerfiles that run them.

    python -m container.entrypoint --help
    python -m container.readiness --help
"""
