"""The pruning hooks on real (tiny, seeded) Qwen2.5-VL and Qwen2-VL models."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForImageTextToText, DynamicCache

import hawkcli
from hawkcli.errors import HawkError
from hawkcli.methods.registry import method_class, method_names
from hawkcli.models.calls import convention_for
from hawkcli.models.families.qwen2_vl import QwenVLInputs
from tests.conftest import make_image

QUESTIONS = ["what colour is the circle ?", "which shape is red ?"]
OPTIONS = {"fastv": {"layer": 1}, "dart": {"layer": 1}}  # the tiny models have 2 decoder layers


def load(folder, attn="sdpa"):
    model = AutoModelForImageTextToText.from_pretrained(folder, attn_implementation=attn, dtype=torch.float32)
    return model.eval(), QwenVLInputs.from_pretrained(str(folder))


def inputs_for(processor, indices):
    images = [make_image(i, [(100, 80), (60, 60), (90, 120)][i]) for i in indices]
    return processor(images, [QUESTIONS[i % 2] for i in indices])


def greedy(model, inputs, n=6):
    return model.generate(**inputs, max_new_tokens=n, do_sample=False, pad_token_id=0)


def no_hooks(model):
    modules = [model, model.model, model.model.language_model]
    return all(not m._forward_pre_hooks for m in modules) and "_update_model_kwargs_for_generation" not in vars(model)


ALL_METHODS = [m for m in method_names() if not method_class(m).needs_video]  # image prompts here


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
@pytest.mark.parametrize("method", ALL_METHODS)
def test_keep_one_is_bit_identical(tiny_model_dir, attn, method):
    model, proc = load(tiny_model_dir, attn)
    inputs = inputs_for(proc, [0])
    profile = torch.rand(model.config.text_config.num_attention_heads) if method == "hawk" else None
    with torch.no_grad():
        ref_logits = model(**inputs).logits
        ref_tokens = greedy(model, inputs)
        with hawkcli.prune(model, method=method, keep=1.0, profile=profile, **OPTIONS.get(method, {})) as stats:
            logits = model(**inputs).logits
            tokens = greedy(model, inputs)
    assert torch.equal(logits, ref_logits)
    assert torch.equal(tokens, ref_tokens)
    assert stats.rows[0].kept_visual_tokens == stats.rows[0].visual_tokens
    assert no_hooks(model)


def reference_inputs(model, inputs):
    """Merged embeddings and mRoPE positions computed by hand from the stock sub-modules."""
    mm = model.model
    ids = inputs["input_ids"]
    embeds = mm.get_input_embeddings()(ids)
    feats = torch.cat(mm.get_image_features(inputs["pixel_values"], inputs["image_grid_thw"]).pooler_output)
    embeds[ids == model.config.image_token_id] = feats
    pos, _ = mm.get_rope_index(
        ids, mm_token_type_ids=inputs["mm_token_type_ids"], image_grid_thw=inputs["image_grid_thw"]
    )
    return embeds, pos


def kept_positions(model, ids, kept_visual):
    visual = (ids[0] == model.config.image_token_id).nonzero().flatten()
    keep = torch.ones(ids.shape[1], dtype=torch.bool)
    keep[visual] = False
    keep[visual[kept_visual]] = True
    return keep.nonzero().flatten()


def test_pruned_run_equals_dropping_tokens_before_the_language_model(tiny_model_dir):
    model, proc = load(tiny_model_dir)
    inputs = inputs_for(proc, [2])
    with torch.no_grad():
        with hawkcli.prune(model, method="uniform", keep=0.25) as stats:
            out = model(**inputs, use_cache=True)
            tokens = greedy(model, inputs)[0, inputs["input_ids"].shape[1] :]
        row = stats.rows[0]
        assert row.kept_visual_tokens == -(-row.visual_tokens // 4)
        keep = kept_positions(model, inputs["input_ids"], torch.tensor(row.kept_visual_indices))
        lm = model.model.language_model
        calls = convention_for(lm)
        assert calls.output_cache(out).get_seq_length() == keep.numel() == row.kept_prompt_tokens

        embeds, pos = reference_inputs(model, inputs)
        cache = DynamicCache(config=model.config.text_config)
        ref = lm(inputs_embeds=embeds[:, keep], position_ids=pos[..., keep], **{calls.cache: cache}, use_cache=True)
        ref_logits = model.lm_head(ref.last_hidden_state)
        torch.testing.assert_close(out.logits, ref_logits, rtol=0, atol=1e-6)

        # Greedy decoding by hand: new tokens continue at the *original* positions after the prompt.
        ref_tokens = [int(ref_logits[0, -1].argmax())]
        last = pos[..., -1:]
        for step in range(len(tokens) - 1):
            e = lm.get_input_embeddings()(torch.tensor([[ref_tokens[-1]]]))
            h = lm(inputs_embeds=e, position_ids=last + step + 1, **{calls.cache: cache}, use_cache=True)
            ref_tokens.append(int(model.lm_head(h.last_hidden_state)[0, -1].argmax()))
    assert tokens.tolist() == ref_tokens
    assert no_hooks(model)


@pytest.mark.parametrize("method", [m for m in ALL_METHODS if m not in {"hawk", "none"}])
def test_left_padded_batch_equals_single_runs(tiny_model_dir, method):
    model, proc = load(tiny_model_dir)
    batch = inputs_for(proc, [0, 1])
    assert batch["attention_mask"][1, 0] == 0, "second row should be left-padded"
    with torch.no_grad(), hawkcli.prune(model, method=method, keep=0.3, **OPTIONS.get(method, {})) as stats:
        together = greedy(model, batch, n=8)[:, batch["input_ids"].shape[1] :]
        batch_rows = [r.kept_visual_indices for r in stats.rows]
        singles = []
        for i in (0, 1):
            one = inputs_for(proc, [i])
            singles.append(greedy(model, one, n=8)[0, one["input_ids"].shape[1] :])
            assert stats.rows[0].kept_visual_indices == batch_rows[i]
    for i in (0, 1):
        n = len(singles[i])
        assert together[i, :n].tolist() == singles[i].tolist()


def test_hooks_removed_even_on_error(tiny_qwen25):
    model, proc = load(tiny_qwen25)
    inputs = inputs_for(proc, [0])
    with pytest.raises(HawkError, match="labels"), hawkcli.prune(model, method="uniform", keep=0.5):
        model(**inputs, labels=inputs["input_ids"])
    assert no_hooks(model)


def test_stats_report_counts_per_row(tiny_qwen25):
    model, proc = load(tiny_qwen25)
    batch = inputs_for(proc, [0, 1])
    with torch.no_grad(), hawkcli.prune(model, method="uniform", keep=0.5) as stats:
        model(**batch)
    visual = (batch["input_ids"] == model.config.image_token_id).sum(1).tolist()
    assert [r.visual_tokens for r in stats.rows] == visual
    assert [r.kept_visual_tokens for r in stats.rows] == [-(-v // 2) for v in visual]
    for r in stats.rows:
        assert r.kept_visual_indices == sorted(r.kept_visual_indices)
        assert r.prompt_tokens - r.kept_prompt_tokens == r.visual_tokens - r.kept_visual_tokens
    assert stats.prefills == 1


def test_bad_arguments(tiny_qwen25):
    model, _ = load(tiny_qwen25)
    with pytest.raises(HawkError, match="keep"), hawkcli.prune(model, method="uniform", keep=0.0):
        pass
    with pytest.raises(HawkError, match="profile"), hawkcli.prune(model, method="hawk", keep=0.5):
        pass
    with pytest.raises(HawkError, match="heads"), hawkcli.prune(model, method="hawk", profile=[1.0, 2.0]):
        pass
    with pytest.raises(HawkError, match="no option"), hawkcli.prune(model, method="uniform", temperature=2):
        pass
    with pytest.raises(HawkError, match="unknown method"), hawkcli.prune(model, method="magic"):
        pass
    assert no_hooks(model)


@pytest.mark.parametrize("method", [m for m in ALL_METHODS if m != "none"])
def test_every_method_keeps_exactly_k(tiny_qwen25, method):
    model, proc = load(tiny_qwen25)
    batch = inputs_for(proc, [0, 1, 2])
    profile = torch.ones(4) if method == "hawk" else None
    for keep in (0.1, 0.5):
        with torch.no_grad(), hawkcli.prune(model, method, keep, profile, **OPTIONS.get(method, {})) as stats:
            model(**batch)
        for r in stats.rows:
            assert (
                r.kept_visual_tokens
                == len(r.kept_visual_indices)
                == max(1, -(-int(r.visual_tokens * keep * 1e6) // 10**6))
            )
            assert r.kept_visual_indices == sorted(set(r.kept_visual_indices))


def test_fastv_matches_a_hand_built_two_stage_decoder(tiny_qwen25):
    """Layers < K see every token, layers >= K only the kept ones, at their original positions."""
    model, proc = load(tiny_qwen25)
    inputs = inputs_for(proc, [2])
    K = 1
    with torch.no_grad():
        with hawkcli.prune(model, method="fastv", keep=0.25, layer=K) as stats:
            out = model(**inputs, use_cache=True)
            tokens = greedy(model, inputs)[0, inputs["input_ids"].shape[1] :]
        keep = kept_positions(model, inputs["input_ids"], torch.tensor(stats.rows[0].kept_visual_indices))
        lm = model.model.language_model
        calls = convention_for(lm)
        assert [layer.keys.shape[2] for layer in calls.output_cache(out).layers] == [
            inputs["input_ids"].shape[1],
            keep.numel(),
        ]

        embeds, pos = reference_inputs(model, inputs)
        cache = DynamicCache(config=model.config.text_config)

        def run(h, positions, select=None):
            cos, sin = lm.rotary_emb(h, positions)
            for i, layer in enumerate(lm.layers):
                if i == K and select is not None:
                    h, cos, sin = h[:, select], cos[:, select], sin[:, select]
                h = layer(
                    h, attention_mask=None, position_embeddings=(cos, sin), **{calls.cache: cache}, use_cache=True
                )
            return model.lm_head(lm.norm(h))

        ref_logits = run(embeds, pos, keep)
        torch.testing.assert_close(out.logits[:, -1], ref_logits[:, -1], rtol=0, atol=1e-5)
        ref_tokens = [int(ref_logits[0, -1].argmax())]
        for step in range(len(tokens) - 1):
            e = lm.get_input_embeddings()(torch.tensor([[ref_tokens[-1]]]))
            ref_tokens.append(int(run(e, pos[..., -1:] + step + 1)[0, -1].argmax()))
    assert tokens.tolist() == ref_tokens
