"""The library entry: `hawkcli.load` → Session.generate / loglikelihood over PIL images, frames and messages."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import hawkcli
from hawkcli.errors import HawkError, InputError
from hawkcli.requests import GenerationConfig, Prompt
from tests.conftest import moving_frames


def _picture(colour=(200, 30, 30)):
    image = Image.new("RGB", (56, 56), (255, 255, 255))
    image.paste(colour, (14, 14, 42, 42))
    return image


def _synth():
    """A question hawk-demo answers ("what colour is the cross ?" → yellow): its training distribution."""
    from hawkcli.data import synth

    s = synth.sample("test", 0, seed=0, tasks=synth.DATASETS["synth"])
    assert (s.question, s.answer) == ("what colour is the cross ?", "yellow")
    return Prompt(s.question, images=[s.image])


@pytest.fixture(scope="module")
def demo():
    return hawkcli.load("hawk-demo", method="hawk", keep=0.2)


def test_messages_and_prompts_are_the_same_request(demo):
    prompt = _synth()
    messages = [{"role": "user", "content": [{"type": "image", "image": prompt.images[0]}, {"type": "text", "text": prompt.text}]}]  # fmt: skip
    by_messages, by_prompt = demo.generate([messages, prompt])
    assert by_messages.text == by_prompt.text == "yellow"
    assert by_messages.stats.kept_visual_tokens == by_prompt.stats.kept_visual_tokens < by_prompt.stats.visual_tokens


def test_generation_settings(demo):
    prompt = _synth()
    greedy = demo.generate([prompt], max_new_tokens=4)[0]
    assert demo.generate([prompt], num_beams=2, max_new_tokens=4)[0].text == greedy.text == "yellow"
    assert demo.generate([prompt], until=("l",))[0].text == "ye"  # cut before the first "l"
    sampled = [demo.generate([prompt], temperature=1.5, seed=7, max_new_tokens=4)[0].text for _ in range(2)]
    assert sampled[0] == sampled[1]  # seeded
    with pytest.raises(InputError, match="num_beams"):
        GenerationConfig(num_beams=0)


def test_frames_are_a_video(demo):
    frames = moving_frames(4)
    (answer,) = demo.generate([Prompt("which way does the object move ?", videos=[frames])], max_new_tokens=4)
    assert answer.stats.segments and {s["kind"] for s in answer.stats.segments} == {"video"}


def test_loglikelihood_prefers_the_answer_and_reports_greedy(demo):
    prompt = _synth()
    right, wrong = demo.loglikelihood([prompt, prompt], ["yellow", "blue"])
    assert right.logprob > wrong.logprob and right.is_greedy and not wrong.is_greedy
    assert right.tokens == 1 and right.stats.kept_visual_tokens == demo.generate([prompt])[0].stats.kept_visual_tokens


def test_keep_1_scores_like_the_unpruned_model(demo):
    prompt = _synth()
    pruned = demo.configured(method="uniform", keep=1.0, profile=None).loglikelihood([prompt], ["yellow"])[0]
    plain = demo.configured(method="none", keep=1.0, profile=None).loglikelihood([prompt], ["yellow"])[0]
    assert pruned.logprob == plain.logprob


def test_the_scored_continuation_never_joins_the_query(family_checkpoints):
    """LLaVA's query runs to the prompt's end: without the exclusion a teacher-forced continuation would be
    query text and change which visual tokens are kept."""
    from hawkcli.pruning import prune

    session = hawkcli.load(str(family_checkpoints("llava")), method="uniform", keep=0.5)
    prompt = Prompt("what colour is the circle ?", images=[_picture((30, 30, 200))])
    continuation = " red square blue circle green square"
    scored = session.loglikelihood([prompt], [continuation])[0]
    assert scored.stats.kept_visual_indices == session.generate([prompt])[0].stats.kept_visual_indices
    # The same forward with the continuation left in the query keeps other tokens: the test can fail.
    inputs, _ = session.processor.with_continuations([session.visuals(prompt)], [prompt.text], [continuation])
    with torch.inference_mode(), prune(session.loaded.model, "uniform", 0.5) as stats:
        session.loaded.model(**inputs)
    assert stats.rows[0].kept_visual_indices != scored.stats.kept_visual_indices


def test_load_refuses_in_one_line_before_generating():
    with pytest.raises(HawkError, match="unknown method"):
        hawkcli.load("hawk-demo", method="nope")
    with pytest.raises(HawkError, match="keep must be in"):
        hawkcli.load("hawk-demo", method="uniform", keep=1.5)
    with pytest.raises(HawkError, match="no option"):
        hawkcli.load("hawk-demo", method="fastv", options={"depth": 2})
    with pytest.raises(InputError, match="one user message"):
        Prompt.from_messages([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}])


def test_image_paths_read_like_pil_images(demo, tmp_path):
    prompt = _synth()
    prompt.images[0].save(tmp_path / "x.png")
    by_path = demo.generate([Prompt(prompt.text, images=[str(tmp_path / "x.png")])])[0]
    assert by_path.text == demo.generate([prompt])[0].text
    with pytest.raises(InputError, match="no such file"):
        demo.generate([Prompt(prompt.text, images=[str(tmp_path / "nope.png")])])


def test_a_profile_measured_on_other_weights_of_the_model_warns(tmp_path, capsys):
    from hawkcli import profiles

    shipped = profiles.find_for_model("hawk-demo")
    assert shipped.metadata["hawk.model_fingerprint"]  # the shipped profile names the weights it measured
    older = profiles.save(
        tmp_path / "older.safetensors", shipped.importance, {**shipped.metadata, "hawk.model_fingerprint": "0" * 16}
    )
    hawkcli.load("hawk-demo", method="hawk", profile=str(older))
    assert "was measured on other weights of" in capsys.readouterr().err
    hawkcli.load("hawk-demo", method="hawk")
    assert "warning" not in capsys.readouterr().err
