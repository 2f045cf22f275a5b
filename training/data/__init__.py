"""The shipped Turkish–English corpus (train/validation/test JSON lines) and the grammar that generates it.

python -m training.data.generate_corpus --help
"""
