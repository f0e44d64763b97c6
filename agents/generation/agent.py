"""Faust agent of the generation stage."""
from __future__ import annotations

import faust

from agents.generation.logic import compose
from streams.app import stage_agent, stage_runner
from streams.settings import Settings
from streams.topics import CONTEXT


def register(app: faust.App, settings: Settings) -> None:
    runner = stage_runner(app, "generation", "Context", settings)

    stage_agent(app, runner, CONTEXT, compose)
