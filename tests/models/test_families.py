"""Invariants every family must hold, on each family's tiny checkpoint (tests/families.py)."""

from __future__ import annotations

import json

import pytest
import torch
from transformers import DynamicCache

import hawkcli
from hawkcli.cli.app import main
from hawkcli.errors import HawkError, InputError
from hawkcli.methods.registry import method_class, method_names
from hawkcli.models.calls import convention_for
from hawkcli.models.loading import LoadOptions, load
from tests.conftest import make_image

QUESTIONS = ["what colour is the circle ?", "which shape is red ?"]
SIZES = [(100, 80), (60, 60), (90, 120)]
# Video methods refuse image prompts (tests/models/test_video_pruning.py covers them).
IMAGE_METHODS = [m for m in method_names() if not method_class(m).needs_video]


@pytest.fixture(scope="module")
def loaded_family(family_dir):
    return load(LoadOptions(model=str(family_dir), device="cpu"))


def inputs_for(loaded, indices):
    images = [make_image(i, SIZES[i]) for i in indices]
    return loaded.processor(images, [QUESTIONS[i % 2] for i in indices])


def options(loaded, method):
    return {"layer": loaded.adapter.num_layers - 1} if method in {"fastv", "dart"} else {}


def greedy(model, inputs, n=5):
    return model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False)


def pruned(loaded, method, keep, **extra):
    profile = torch.linspace(1.0, 2.0, loaded.adapter.num_heads) if method == "hawk" else None
    return hawkcli.prune(loaded.model, method, keep, profile, **options(loaded, method), **extra)


def refused(loaded, method):
    """None if the family runs `method`, else the one-line refusal, which must name family and method."""
    try:
        with pruned(loaded, method, 0.5):
            pass
    except HawkError as err:
        text = str(err)
        assert method in text and loaded.adapter.family in text and "\n" not in text, text
        return text
    return None


@pytest.mark.parametrize("method", IMAGE_METHODS)
def test_keep_one_is_bit_identical(loaded_family, method):
    model = loaded_family.model
    if refused(loaded_family, method):
        return
    inputs = inputs_for(loaded_family, [0])
    with torch.no_grad():
        ref_logits, ref_tokens = model(**inputs).logits, greedy(model, inputs)
        with pruned(loaded_family, method, 1.0) as stats:
            logits, tokens = model(**inputs).logits, greedy(model, inputs)
    assert torch.equal(logits, ref_logits) and torch.equal(tokens, ref_tokens)
    assert stats.rows[0].kept_visual_tokens == stats.rows[0].visual_tokens > 0


def test_every_method_runs_or_is_refused_in_one_line(loaded_family):
    inputs = inputs_for(loaded_family, [0])
    ran = []
    for method in IMAGE_METHODS:
        if refused(loaded_family, method):
            continue
        with torch.no_grad(), pruned(loaded_family, method, 0.3) as stats:
            loaded_family.model(**inputs)
        row = stats.rows[0]
        expected = row.visual_tokens if method == "none" else max(1, -(-int(row.visual_tokens * 0.3 * 1e6) // 10**6))
        assert row.kept_visual_tokens == len(row.kept_visual_indices) == expected, method
        ran.append(method)
    assert {"none", "hawk", "uniform", "random", "divprune"} <= set(ran)


def _reference_kwargs(loaded, captured, keep):
    """The text model's inputs for the kept positions, sliced by hand with a boolean mask (batch of one)."""
    calls = convention_for(loaded.adapter.text_model())
    embeds = captured[calls.inputs_embeds]
    length = embeds.shape[1]
    positions = captured.get(calls.position_ids)
    if positions is None:
        positions = torch.arange(length)[None]
    ref = {calls.inputs_embeds: embeds[:, keep], calls.position_ids: positions[..., keep]}
    ref[calls.attention_mask] = torch.ones(1, int(keep.sum()), dtype=torch.long)
    if captured.get("visual_pos_masks") is not None:  # Qwen3-VL DeepStack
        visual = captured["visual_pos_masks"]
        ref["visual_pos_masks"] = visual[:, keep]
        ref["deepstack_visual_embeds"] = [level[keep[visual[0]]] for level in captured["deepstack_visual_embeds"]]
    if isinstance(captured.get(calls.attention_mask), dict):  # Gemma 3: image blocks see each other
        token_types = (captured["input_ids"] == loaded.model.config.image_token_id).long()[:, keep]
        ref[calls.attention_mask] = type(loaded.model).create_masks_for_generate(
            config=loaded.model.config,
            inputs_embeds=ref[calls.inputs_embeds],
            attention_mask=ref[calls.attention_mask],
            position_ids=ref[calls.position_ids],
            token_type_ids=token_types,
            **{calls.cache: None},
        )
    return ref, calls


def test_pruned_prefill_equals_dropping_the_tokens_by_hand(loaded_family):
    model, adapter = loaded_family.model, loaded_family.adapter
    text_model = adapter.text_model()
    inputs = inputs_for(loaded_family, [2])
    captured = {}

    def record(module, args, kwargs):
        captured.update(kwargs)

    with torch.no_grad():
        handle = text_model.register_forward_pre_hook(record, with_kwargs=True)
        try:
            model(**inputs)
        finally:
            handle.remove()
        captured["input_ids"] = inputs["input_ids"]
        with pruned(loaded_family, "uniform", 0.25) as stats:
            out = model(**inputs, use_cache=True)
        ids = inputs["input_ids"][0]
        visual = adapter.visual_mask(ids).nonzero().flatten()
        keep = torch.ones(ids.numel(), dtype=torch.bool)
        keep[visual] = False
        keep[visual[stats.rows[0].kept_visual_indices]] = True
        ref_kwargs, calls = _reference_kwargs(loaded_family, captured, keep)
        cache = DynamicCache(config=adapter.text_config())
        ref = text_model(**ref_kwargs, **{calls.cache: cache}, use_cache=True)
        ref_logits = model.lm_head(ref.last_hidden_state)
    assert calls.output_cache(out).get_seq_length() == int(keep.sum()) == stats.rows[0].kept_prompt_tokens
    torch.testing.assert_close(out.logits, ref_logits, rtol=0, atol=1e-5)


@pytest.mark.parametrize("method", ["uniform", "random", "fastv"])
def test_left_padded_batch_equals_single_runs(loaded_family, method):
    if refused(loaded_family, method):
        return
    model = loaded_family.model
    batch = inputs_for(loaded_family, [0, 1])
    assert batch["attention_mask"].min() == 0, "one row should be left-padded"
    with torch.no_grad(), pruned(loaded_family, method, 0.3) as stats:
        together = greedy(model, batch)[:, batch["input_ids"].shape[1] :]
        rows = [r.kept_visual_indices for r in stats.rows]
        for i in (0, 1):
            one = inputs_for(loaded_family, [i])
            single = greedy(model, one)[0, one["input_ids"].shape[1] :]
            assert stats.rows[0].kept_visual_indices == rows[i]
            assert together[i].tolist() == single.tolist()


def test_profile_writes_one_row_per_head(capsys, family_dir, loaded_family, tmp_path):
    from safetensors import safe_open

    out = tmp_path / "p.safetensors"
    assert main(["profile", str(family_dir), "--calib", "synth", "-n", "2", "-b", "4", "-o", str(out)]) == 0
    capsys.readouterr()
    with safe_open(str(out), "pt") as f:
        assert list(f.get_tensor("importance").shape) == [1, loaded_family.adapter.num_heads]
        assert f.metadata()["hawk.model_type"] == loaded_family.model.config.model_type


def test_layout_covers_each_image_once(loaded_family):
    inputs = inputs_for(loaded_family, [0, 1])
    for row, index in enumerate((0, 1)):
        width, height = SIZES[index]
        layout = loaded_family.processor.layout(inputs, row, make_image(index, (width, height)))
        n_visual = int(loaded_family.adapter.visual_mask(inputs["input_ids"][row]).sum())
        assert sum(span.count for span in layout) == n_visual
        for x0, y0, x1, y1 in (box for span in layout for box in span.boxes):
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height


def test_hawk_run_on_the_family(capsys, family_dir, image_dir):
    code = main(["run", "--model", str(family_dir), "--image", str(image_dir / "img0.png"), "-q", "what ?",
                 "--method", "uniform", "--keep", "0.5", "--max-new-tokens", "2", "-f", "json",
                 "--overlay", str(image_dir / "kept.png")])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    record = json.loads(out)
    assert record["kept_visual_tokens"] == -(-record["visual_tokens"] // 2)
    assert (image_dir / "kept.png").is_file()


def test_query_is_the_question_after_the_image(loaded_family):
    """The HAWK query: the user's text after the last image, up to the end of the user turn."""
    proc, adapter = loaded_family.processor, loaded_family.adapter
    inputs = inputs_for(loaded_family, [0])
    ids = inputs["input_ids"][0]
    query = proc.tokenizer.convert_ids_to_tokens(ids[adapter.query_mask(ids)])
    words = QUESTIONS[0].split()
    markers = {"<fake_token_around_image>", "</img>"}  # image-closing markers whose ids the config does not name
    query = [t for t in query if t not in markers]
    if adapter.turn_end_ids():
        assert query == words
    else:  # no end-of-turn token before the answer (LLaVA-1.5, LLaVA-NeXT): runs to the end of the prompt
        assert query[: len(words)] == words and len(query) <= len(words) + 4


def test_an_image_after_the_text_still_scores(loaded_family):
    """With no text after the last image, the query is that image's last token (or its end marker)."""
    adapter = loaded_family.adapter
    ids = inputs_for(loaded_family, [0])["input_ids"][0]
    visual = adapter.visual_mask(ids).nonzero().flatten()
    cut = ids[: int(visual[-1]) + 1]  # the prompt as if it ended with the image
    mask = adapter.query_mask(cut)
    assert mask.sum() == 1 and bool(mask[-1])


def test_several_images_in_one_prompt(loaded_family):
    from hawkcli.visuals import Visuals

    proc, model = loaded_family.processor, loaded_family.model
    shown = Visuals([make_image(0, SIZES[0]), make_image(1, SIZES[1])])
    if not proc.multi_image:
        with pytest.raises(InputError, match="one image per prompt"):
            proc([shown], ["which shape is red ?"])
        return
    inputs = proc([shown], ["which shape is red ?"])
    with torch.no_grad():
        ref = greedy(model, inputs)
        with pruned(loaded_family, "uniform", 1.0) as stats:
            tokens = greedy(model, inputs)
        with pruned(loaded_family, "uniform", 0.5, per_frame=True) as halves:
            model(**inputs)
    assert torch.equal(tokens, ref)
    segments = stats.rows[0].segments
    assert [(s["kind"], s["index"]) for s in segments] == [("image", 0), ("image", 1)]
    layout = proc.layout(inputs, 0, shown)
    assert [span.count for span in layout] == [s["visual_tokens"] for s in segments]
    assert [s["kept_visual_tokens"] for s in halves.rows[0].segments] == [-(-s["visual_tokens"] // 2) for s in segments]
