"""The knowledge base (知识库): answers the hotline gives, searched while the caller waits."""
