"""hawk as an lmms-eval 0.7.3 model: `python -m lmms_eval --model hawk --model_args pretrained=...,method=...,keep=...`.

`manifest` is what lmms-eval's `lmms_eval.models` entry point loads; `model` is the `lmms` subclass (it
imports lmms-eval); `convert` turns lmms-eval requests into library calls and needs neither.
"""
