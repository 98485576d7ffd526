"""Indexing: read knowledge documents, chunk them, attribute their sentences to sources."""
