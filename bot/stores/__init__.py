"""Stores: the embedding model, the Chroma vector store, the conversation state store."""
