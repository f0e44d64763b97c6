"""The intent stage's sentence embedding goes with its turn to retrieval, and nowhere else."""
import numpy as np

from agents.intent.logic import understand, with_embedding
from agents.state.logic import advance, with_turn_embedding
from domain.numerals import canonical_form
from engines.classifiers.keyword import KeywordIntentClassifier
from engines.embeddings import RememberingEmbedder, vector_from
from tests.fakes import HashEmbedder
from tests.samples import SAMPLES


def test_the_understanding_carries_the_vector_of_its_own_texts_canonical_form():
    embedder = RememberingEmbedder(HashEmbedder())
    transcript = {**SAMPLES["Transcript"], "text": "贷款30万，利率多少？"}
    emits = understand(transcript, KeywordIntentClassifier(), 0.6)
    assert with_embedding(emits, embedder, transcript["text"]) == emits  # nothing embedded yet: nothing carried
    embedder.encode(["别的话"])
    assert with_embedding(emits, embedder, transcript["text"]) == emits  # another text's vector is not its own
    expected = embedder.encode([canonical_form(transcript["text"])])[0]
    [carried] = with_embedding(emits, embedder, transcript["text"])
    assert np.array_equal(vector_from(carried.datum["embedding"], HashEmbedder.dim), expected)
    assert "embedding" not in emits[0].datum  # the original emit is left as it was


def test_the_state_passes_it_on_for_its_turn_and_never_stores_it():
    understanding = {**SAMPLES["Understanding"], "embedding": b"\x00\x00\x80\x3f" * 4}
    state, emits = advance(None, understanding)
    out = with_turn_embedding(emits, understanding)
    assert [e.datum["embedding"] for e in out] == [understanding["embedding"]]
    assert "embedding" not in state and all("embedding" not in e.datum for e in emits)
    # a replayed older turn re-emits its own state, which carries no other turn's vector
    older = {**understanding, "turn_id": understanding["turn_id"] - 1}
    _, replayed = advance(state, older)
    assert all("embedding" not in e.datum for e in with_turn_embedding(replayed, older))
