"""The model card `hawkcli.demo.ship` writes: measured numbers in, tables out."""

from hawkcli.demo.ship import model_card

META = {"step": 7, "args": {k: "1" for k in ("batch_size", "lr", "warmup", "schedule", "seed", "max_objects", "curriculum_every")}}  # fmt: skip


def test_card_tables_carry_the_measured_accuracy():
    card = model_card(META, {"colour": 0.5, "mean": 0.5}, {"colour": 0.5, "count": 0.25, "mean": 0.375}, 10, 0.5)
    assert "| colour | 0.500 | 0.500 |" in card and "| count | — | 0.250 |" in card
    assert "Free pictures" not in card
    free = {"synth-scenes": {"count": 0.75, "mean": 0.75}, "synth-user": {"count": 0.5, "shape": 0.25, "mean": 0.375}}
    card = model_card(META, {"mean": 1.0}, {"mean": 1.0}, 10, 0.5, free=free)
    assert "| task | `synth-scenes:test` | `synth-user:test` |" in card
    assert "| count | 0.750 | 0.500 |" in card and "| shape | — | 0.250 |" in card
