"""Inbound events of the feedback service: none yet (it only emits); registered like every service's."""

from shared.consumer import Handlers

events = Handlers()
