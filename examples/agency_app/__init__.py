"""A small agency app that signs citizens in with MPP Digital (see README.md)."""
