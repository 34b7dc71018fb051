"""The transcript across chunk overlaps: no word twice, none lost, in time order."""

from __future__ import annotations

import itertools
import random

from analysis.schema import TranscriptSegment, Word
from analysis.transcript import merge_transcript, segment_words, word_key
from ingest.types import Span

S = Span.seconds
SCRIPT_TEXT = (
    "good morning everyone we are on the record in the matter of harbor and vale "
    "please state your full name for the record my name is john alan smith and i live "
    "in boston massachusetts thank you mister smith were you employed by acme in march "
    "of twenty twenty yes i was employed there as a contracts manager for six years"
)
SCRIPT = SCRIPT_TEXT.split()
EIGHT = "one two three four five six seven eight"


def seg(start: float, end: float, text: str, speaker: str | None = None) -> TranscriptSegment:
    return TranscriptSegment(span=S(start, end), text=text, speaker=speaker)


def truth(step: float = 0.5) -> list[Word]:
    return [
        Word(start_s=round(i * step, 3), end_s=round(i * step + step * 0.8, 3), text=w)
        for i, w in enumerate(SCRIPT)
    ]


def transcribe(
    words: list[Word], lo: float, hi: float, shift: float, per_segment: int, timed: bool = True
) -> list[TranscriptSegment]:
    """What an engine on chunk [lo, hi] returns: the words inside, jittered and regrouped."""
    inside = [
        Word(start_s=round(w.start_s + shift, 3), end_s=round(w.end_s + shift, 3), text=w.text)
        for w in words
        if w.start_s >= lo and w.end_s <= hi
    ]
    out = []
    for k in range(0, len(inside), per_segment):
        group = inside[k : k + per_segment]
        out.append(
            TranscriptSegment(
                span=S(group[0].start_s, group[-1].end_s),
                text=" ".join(w.text for w in group),
                words=group if timed else [],
            )
        )
    return out


def keys(segments: list[TranscriptSegment]) -> list[str]:
    return [word_key(w) for s in segments for w in s.text.split()]


def assert_ordered(segments: list[TranscriptSegment]) -> None:
    starts = [s.span.start_s or 0.0 for s in segments]
    assert starts == sorted(starts)
    for a, b in itertools.pairwise(segments):
        assert (a.span.end_s or 0.0) <= (b.span.start_s or 0.0) + 0.5


def test_word_timed_chunks_merge_to_the_script_exactly() -> None:
    words = truth()
    first = transcribe(words, 0, 20, shift=0.05, per_segment=7)
    second = transcribe(words, 16, 40, shift=-0.1, per_segment=5)
    merged = merge_transcript([(S(0, 20), first), (S(16, 40), second)])
    assert keys(merged) == SCRIPT
    assert_ordered(merged)


def test_text_only_chunks_are_split_proportionally_and_merge_exactly() -> None:
    words = truth()
    first = transcribe(words, 0, 21, shift=0.1, per_segment=6, timed=False)
    second = transcribe(words, 17, 40, shift=-0.2, per_segment=9, timed=False)
    merged = merge_transcript([(S(0, 21), first), (S(17, 40), second)])
    assert keys(merged) == SCRIPT
    assert_ordered(merged)


def test_three_chunks_in_a_chain() -> None:
    words = truth()
    spans = [(0.0, 15.0), (12.0, 28.0), (25.0, 40.0)]
    groups = [
        (S(lo, hi), transcribe(words, lo, hi, shift=0.07 * k, per_segment=4 + k))
        for k, (lo, hi) in enumerate(spans)
    ]
    assert keys(merge_transcript(groups)) == SCRIPT


def test_overlap_heard_differently_keeps_one_version_and_the_right_count() -> None:
    first = [seg(10, 14, "please state your full name"), seg(14, 18, "for the record sir")]
    second = [
        seg(14.1, 18.1, "for the wreck herd sir"),  # the later engine misheard two words
        seg(18.5, 20, "John Smith."),
    ]
    merged = merge_transcript([(S(0, 18), first), (S(14, 40), second)])
    text = " ".join(s.text for s in merged)
    assert text in (
        "please state your full name for the record sir John Smith.",
        "please state your full name for the wreck herd sir John Smith.",
    )


def test_different_word_boundaries_in_the_overlap_are_not_doubled() -> None:
    first = [seg(50, 59, "I can not recall the date of the meeting")]
    second = [seg(50.2, 59, "I cannot recall the date of the meeting"), seg(61, 63, "Next.")]
    merged = merge_transcript([(S(0, 60), first), (S(55, 120), second)])
    assert " ".join(keys(merged)).count("recall") == 1
    assert keys(merged)[-1] == "next"


def test_whole_segments_survive_untouched_when_the_switch_falls_between_segments() -> None:
    first = [seg(0, 5, "Good morning."), seg(50, 58, "State your name for the record.", "Q")]
    second = [
        seg(50.2, 58.1, "state your name for the record", "Q"),
        seg(58.5, 60, "John Smith.", "A"),
        seg(61, 65, "Thank you.", "Q"),
    ]
    merged = merge_transcript([(S(0, 60), first), (S(50, 110), second)])
    assert merged[:2] == first
    assert [(s.speaker, s.text) for s in merged[2:]] == [("A", "John Smith."), ("Q", "Thank you.")]


def test_a_cut_segment_keeps_its_speaker_and_the_words_on_its_side() -> None:
    long = TranscriptSegment(
        span=S(52, 60),
        speaker="Witness",
        text=EIGHT,
        words=[Word(start_s=52 + i, end_s=52.8 + i, text=t) for i, t in enumerate(EIGHT.split())],
    )
    later = [seg(50.1, 57.9, "one two three four five six"), seg(58, 60, "seven eight")]
    merged = merge_transcript([(S(0, 60), [long]), (S(50, 120), later)])
    assert keys(merged) == EIGHT.split()
    if merged[0] is not long:
        assert merged[0].speaker == "Witness"
        assert [w.text for w in merged[0].words] == merged[0].text.split()


def test_one_side_silent_in_the_overlap_keeps_the_other_sides_words() -> None:
    first = [seg(10, 40, "long answer ends here")]
    second = [seg(52, 56, "words only the later chunk heard"), seg(70, 72, "more")]
    merged = merge_transcript([(S(0, 60), first), (S(50, 120), second)])
    assert [s.text for s in merged] == [
        "long answer ends here",
        "words only the later chunk heard",
        "more",
    ]


def test_no_common_words_falls_back_to_a_time_cut_in_the_middle() -> None:
    first = [seg(50, 52, "alpha beta"), seg(56, 59, "gamma delta")]
    second = [seg(50.5, 52.5, "uno dos"), seg(56.5, 58.5, "tres cuatro")]
    merged = merge_transcript([(S(0, 60), first), (S(50, 120), second)])
    assert [s.text for s in merged] == ["alpha beta", "tres cuatro"]


def test_chunks_that_do_not_overlap_are_concatenated() -> None:
    first = [seg(0, 5, "before the failed chunk")]
    third = [seg(120, 125, "after it")]
    merged = merge_transcript([(S(0, 60), first), (S(120, 180), third)])
    assert [s.text for s in merged] == ["before the failed chunk", "after it"]


def test_disputed_short_word_goes_to_the_side_of_the_switch() -> None:
    # The earlier chunk heard "Yesterday." where the later one heard "Yes. yesterday": the
    # stretch is disputed, so exactly one chunk's version is kept, never both.
    first = [seg(55, 58, "Yesterday.")]
    second = [seg(55.5, 56.5, "Yes."), seg(56.6, 58, "yesterday")]
    merged = merge_transcript([(S(0, 60), first), (S(50, 110), second)])
    assert keys(merged) in (["yesterday"], ["yes", "yesterday"])


def test_segment_words_are_proportional_to_length() -> None:
    words = segment_words(seg(10, 20, "a bbbbbbbb"))
    assert [w.text for w in words] == ["a", "bbbbbbbb"]
    assert words[0].start_s == 10 and words[-1].end_s == 20
    assert words[0].end_s == 11.818  # (1 + 1) / (2 + 9) of ten seconds, rounded to ms


def _chunking(rng: random.Random, end: float) -> list[tuple[float, float]]:
    length, overlap = rng.uniform(6, 15), rng.uniform(2, 5)
    spans, lo = [], 0.0
    while True:
        hi = min(lo + length, end)
        spans.append((lo, hi))
        if hi >= end:
            return spans
        lo = hi - overlap


def test_random_chunkings_jitter_and_segmentations_give_the_script_back() -> None:
    for step in (0.25, 0.37, 0.5):
        words = truth(step)
        for seed in range(150):
            rng = random.Random(seed)
            timed = rng.random() < 0.5
            groups = [
                (
                    S(lo, hi),
                    transcribe(
                        words,
                        lo,
                        hi,
                        shift=rng.uniform(-0.25, 0.25),
                        per_segment=rng.randint(2, 9),
                        timed=timed,
                    ),
                )
                for lo, hi in _chunking(rng, words[-1].end_s + 1)
            ]
            merged = merge_transcript(groups)
            assert keys(merged) == SCRIPT, (step, seed)
            starts = [s.span.start_s or 0.0 for s in merged]
            assert starts == sorted(starts), (step, seed)


def test_a_word_cut_by_the_earlier_chunks_end_comes_from_the_later_chunk() -> None:
    first = [seg(16, 20, "you employed")]  # "by" straddles 20.0: the first engine lost it
    second = [seg(16.1, 21.2, "you employed by"), seg(21.3, 23, "acme")]
    merged = merge_transcript([(S(0, 20), first), (S(17, 40), second)])
    assert keys(merged) == ["you", "employed", "by", "acme"]
