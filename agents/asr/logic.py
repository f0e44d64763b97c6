"""ASR stage: typed text passes through; audio is refused until an ASR engine lands."""
from __future__ import annotations

from typing import Any

from contracts.records import carry
from contracts.stage import Emit, StageRejection
from contracts.topics import UTTERANCE_TEXT

MAX_TEXT_CHARS = 2000


def transcribe(utterance: dict[str, Any]) -> list[Emit]:
    """UtteranceIn -> Transcript for text turns; audio and empty turns are rejected with a reason."""
    text = utterance.get("text")
    if text is None or not text.strip():
        if utterance.get("audio_ref"):
            raise StageRejection("unsupported_input",
                                 "audio turns need an ASR engine, none is configured yet; send text")
        raise StageRejection("unsupported_input", "utterance has neither text nor audio")
    normalised = " ".join(text.split())
    if len(normalised) > MAX_TEXT_CHARS:
        raise StageRejection("unsupported_input", f"text of {len(normalised)} chars exceeds {MAX_TEXT_CHARS}")
    return [Emit(UTTERANCE_TEXT, "Transcript", {
        **carry(utterance), "text": normalised, "asr_confidence": 1.0, "source": "text", "is_final": True,
    })]
