"""Answering: read a question, retrieve from the knowledge base, compose a cited answer."""
