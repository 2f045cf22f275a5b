"""TorchServe serving of Marian Turkish→English models with the Vertex AI request contract."""
