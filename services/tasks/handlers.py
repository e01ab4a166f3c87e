"""Inbound events of the tasks service: none yet (it only emits); registered like every service's."""

from shared.consumer import Handlers

events = Handlers()
