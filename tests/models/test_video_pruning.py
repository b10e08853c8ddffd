"""Video and multi-image prompts on real (tiny, seeded) Qwen2-VL and Qwen2.5-VL models: inputs built
without torchvision, keep=1.0 identity, pruning equal to dropping tokens by hand, global vs per-frame."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

import hawkcli
from hawkcli.methods.registry import method_class, method_names
from hawkcli.models.calls import convention_for
from hawkcli.models.families.qwen2_vl import CLIP_MEAN, CLIP_STD
from hawkcli.video import Video
from hawkcli.visuals import Visuals
from tests.conftest import make_image, moving_frames
from tests.models.test_pruning import OPTIONS, greedy, load, no_hooks


def clip(n=4, size=(112, 84), fps=2.0):
    frames = moving_frames(n, size)
    return Video(frames, fps, n, list(range(n)), "clip")


def video_inputs(proc, question="what colour is the circle ?", **kw):
    return proc([Visuals([], [clip(**kw)])], [question])


def test_own_video_inputs_match_a_hand_built_expectation(tiny_model_dir):
    _, proc = load(tiny_model_dir)
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]  # 3 frames: the last is repeated to fill step 2
    from PIL import Image

    frames = [Image.new("RGB", (56, 56), c) for c in colours]  # 56x56 fits every pixel bound: no resize
    video = Video(frames, 2.0, 3, [0, 1, 2], "flat")
    proc.video = type(proc.video)(shortest_edge=56 * 56, longest_edge=56 * 56)
    inputs = proc([Visuals([], [video])], ["what ?"])
    assert inputs["video_grid_thw"].tolist() == [[2, 4, 4]]
    ids = inputs["input_ids"][0]
    assert int((ids == proc.video_token_id).sum()) == 2 * 4 * 4 // 4
    assert int((inputs["mm_token_type_ids"][0] == 2).sum()) == 8
    px = inputs["pixel_values_videos"].view(2 * 16, 3, 2, 14 * 14)  # [patches, C, temporal, p*p]
    expect = torch.tensor([[(c / 255 - m) / s for c, m, s in zip(col, CLIP_MEAN, CLIP_STD, strict=True)]
                           for col in colours + [colours[-1]]])  # fmt: skip
    for step in range(2):
        for t in range(2):
            got = px[step * 16 : (step + 1) * 16, :, t]  # every patch of the step, one frame of its pair
            want = expect[2 * step + t][None, :, None].expand_as(got)
            torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
    if "second_per_grid_ts" in inputs:  # Qwen2.5-VL: seconds per temporal step = 2 / sampled fps
        assert inputs["second_per_grid_ts"].tolist() == [1.0]


VIDEO_METHODS = method_names()


@pytest.mark.parametrize("method", VIDEO_METHODS)
def test_keep_one_is_bit_identical_for_video(tiny_model_dir, method):
    model, proc = load(tiny_model_dir)
    inputs = video_inputs(proc)
    profile = torch.rand(model.config.text_config.num_attention_heads) if method == "hawk" else None
    with torch.no_grad():
        ref_logits, ref_tokens = model(**inputs).logits, greedy(model, inputs)
        with hawkcli.prune(model, method=method, keep=1.0, profile=profile, **OPTIONS.get(method, {})) as stats:
            logits, tokens = model(**inputs).logits, greedy(model, inputs)
    assert torch.equal(logits, ref_logits) and torch.equal(tokens, ref_tokens)
    row = stats.rows[0]
    assert row.kept_visual_tokens == row.visual_tokens
    assert [s["step"] for s in row.segments] == [0, 1] and all(s["kind"] == "video" for s in row.segments)
    assert no_hooks(model)


@pytest.mark.parametrize("method", [m for m in method_names() if not method_class(m).needs_video])
def test_keep_one_is_bit_identical_for_several_images(tiny_model_dir, method):
    model, proc = load(tiny_model_dir)
    inputs = proc([Visuals([make_image(0, (100, 80)), make_image(1, (60, 60))])], ["which shape is red ?"])
    profile = torch.rand(model.config.text_config.num_attention_heads) if method == "hawk" else None
    with torch.no_grad():
        ref = greedy(model, inputs)
        with hawkcli.prune(model, method=method, keep=1.0, profile=profile, **OPTIONS.get(method, {})) as stats:
            tokens = greedy(model, inputs)
    assert torch.equal(tokens, ref)
    assert [(s["kind"], s["index"]) for s in stats.rows[0].segments] == [("image", 0), ("image", 1)]


def reference_video_inputs(model, inputs):
    """Merged embeddings and mRoPE positions of a video prompt, by hand from the stock sub-modules."""
    mm = model.model
    ids = inputs["input_ids"]
    embeds = mm.get_input_embeddings()(ids)
    feats = mm.get_video_features(inputs["pixel_values_videos"], inputs["video_grid_thw"]).pooler_output
    embeds[ids == model.config.video_token_id] = torch.cat(feats)
    extra = {"second_per_grid_ts": inputs["second_per_grid_ts"]} if "second_per_grid_ts" in inputs else {}
    pos, _ = mm.get_rope_index(
        ids, mm_token_type_ids=inputs["mm_token_type_ids"], video_grid_thw=inputs["video_grid_thw"], **extra
    )
    return embeds, pos


@pytest.mark.parametrize("method", ["uniform", "evs", "vidcom2"])
def test_pruned_video_equals_dropping_the_tokens_by_hand(tiny_model_dir, method):
    model, proc = load(tiny_model_dir)
    inputs = video_inputs(proc, n=6)
    ids = inputs["input_ids"]
    with torch.no_grad():
        with hawkcli.prune(model, method=method, keep=0.3) as stats:
            out = model(**inputs, use_cache=True)
        row = stats.rows[0]
        assert row.kept_visual_tokens == -(-row.visual_tokens * 3 // 10)
        visual = (ids[0] == model.config.video_token_id).nonzero().flatten()
        keep = torch.ones(ids.shape[1], dtype=torch.bool)
        keep[visual] = False
        keep[visual[torch.tensor(row.kept_visual_indices)]] = True
        keep = keep.nonzero().flatten()
        lm = model.model.language_model
        calls = convention_for(lm)
        assert calls.output_cache(out).get_seq_length() == keep.numel() == row.kept_prompt_tokens  # the KV shrinks
        embeds, pos = reference_video_inputs(model, inputs)
        cache = DynamicCache(config=model.config.text_config)
        ref = lm(inputs_embeds=embeds[:, keep], position_ids=pos[..., keep], **{calls.cache: cache}, use_cache=True)
        torch.testing.assert_close(out.logits, model.lm_head(ref.last_hidden_state), rtol=0, atol=1e-6)


def test_keep_is_global_unless_per_frame(tiny_qwen25):
    model, proc = load(tiny_qwen25)
    inputs = proc([Visuals([make_image(0, (100, 80))], [clip(n=4)])], ["what moves ?"])
    with torch.no_grad():
        with hawkcli.prune(model, method="random", keep=0.3) as together:
            model(**inputs)
        with hawkcli.prune(model, method="random", keep=0.3, per_frame=True) as apart:
            model(**inputs)
    g, p = together.rows[0], apart.rows[0]
    assert g.visual_tokens == p.visual_tokens == sum(s["visual_tokens"] for s in g.segments)
    assert g.kept_visual_tokens == -(-g.visual_tokens * 3 // 10)
    assert [s["kept_visual_tokens"] for s in p.segments] == [-(-s["visual_tokens"] * 3 // 10) for s in p.segments]
    assert abs(p.kept_visual_tokens - g.kept_visual_tokens) < len(p.segments)  # same total up to rounding
    assert [s["kind"] for s in g.segments] == ["image", "video", "video"]


def test_batched_videos_equal_single_runs(tiny_qwen25):
    model, proc = load(tiny_qwen25)
    rows = [Visuals([], [clip(n=4)]), Visuals([make_image(1, (60, 60))], [clip(n=2, size=(84, 84))])]
    questions = ["what moves ?", "which way ?"]
    with torch.no_grad(), hawkcli.prune(model, method="evs", keep=0.5) as stats:
        together = greedy(model, proc(rows, questions), n=4)
        batch_rows = [r.kept_visual_indices for r in stats.rows]
        for i in (0, 1):
            one = proc([rows[i]], [questions[i]])
            single = greedy(model, one, n=4)[0, one["input_ids"].shape[1] :]
            assert stats.rows[0].kept_visual_indices == batch_rows[i]
            assert together[i, -len(single) :].tolist() == single.tolist()


def test_segments_without_recorded_grids_fall_back_to_one_per_run(tiny_qwen25):
    from hawkcli.models.registry import adapter_for

    model, proc = load(tiny_qwen25)
    inputs = proc([Visuals([make_image(0, (100, 80))], [clip(n=4)])], ["what moves ?"])
    adapter = adapter_for(model)
    (row,) = adapter.segments(inputs["input_ids"], [])  # e.g. the tower never ran inside the hooks
    assert [(s.kind, s.step, s.grid) for s in row] == [("image", 0, None), ("video", 0, None)]
    (row,) = adapter.segments(inputs["input_ids"], [inputs["image_grid_thw"], inputs["video_grid_thw"]])
    assert [(s.kind, s.step) for s in row] == [("image", 0), ("video", 0), ("video", 1)]
