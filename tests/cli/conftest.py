"""The register one real `connector sync` filled (`tests.synced`), for the tests of this folder."""

from tests.synced import site

__all__ = ["site"]
