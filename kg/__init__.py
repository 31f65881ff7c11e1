"""kg: knowledge graphs of Chinese government work reports.

Python API (see README): ``kg.build(paths) -> KnowledgeGraph``.
"""
__version__ = "0.1.0"

from .api import KnowledgeGraph, build  # noqa: E402

__all__ = ["KnowledgeGraph", "build", "__version__"]
