"""One module per `model_type`; every module here is registered automatically."""
