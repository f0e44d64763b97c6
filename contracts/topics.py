"""Topic names and the stages that read them: what stages agree on. Settings and creation live
in ``streams.topics`` (the catalog); nothing here does I/O."""

UTTERANCE_IN = "cs.utterance.in.v1"
UTTERANCE_TEXT = "cs.utterance.text.v1"
NLU = "cs.nlu.v1"
DIALOGUE_STATE = "cs.dialogue.state.v1"
CONTEXT = "cs.context.v1"
REPLY_DRAFT = "cs.reply.draft.v1"
REPLY_CHECKED = "cs.reply.checked.v1"
REPLY_OUT = "cs.reply.out.v1"
REPLY_CHUNKS_DRAFT = "cs.reply.chunks.draft.v1"
REPLY_CHUNKS_CHECKED = "cs.reply.chunks.checked.v1"
REPLY_CHUNKS = "cs.reply.chunks.v1"
REVIEW = "cs.review.v1"
REVIEW_DECISIONS = "cs.review.decisions.v1"
AGENT_MESSAGES = "cs.agent.messages.v1"
DESK_QUEUE = "cs.desk.queue.v1"
HANDOFF = "cs.handoff.v1"
AUDIT = "cs.audit.v1"
DEADLETTER = "cs.deadletter.v1"
KNOWLEDGE_UPDATES = "cs.knowledge.updates.v1"
MARKET_EVENTS = "cs.market.events.v1"
MARKET_TICKS = "cs.market.ticks.v1"

# Every customer turn crosses these, in this order; the knowledge stage applies live updates.
TURN_STAGES = ("asr", "intent", "state", "retrieval", "generation", "compliance", "escalation")
STAGES = (*TURN_STAGES, "knowledge")

# Faust tables per stage; their changelogs must exist with the source's partition count.
TABLES = {
    "state": ("dialogue_state",),
    "generation": ("wealth_watch", "offers"),
    "escalation": ("replied_turns", "pending_reviews", "session_owners", "unclear_turns", "advised_turns"),
}
