"""Markdown (placeholder until written)."""
def document(text, protector, split_sentences, prepare_block):
    raise NotImplementedError
