"""Caching: backends (in-process cachetools or shared Redis) and request coalescing."""
from app.cache.backend import CacheBackend, CacheEntry, MemoryCache

__all__ = ["CacheBackend", "CacheEntry", "MemoryCache"]
