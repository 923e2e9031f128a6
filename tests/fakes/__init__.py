"""Faithful local fakes of outside providers (payment providers), real HTTP servers on
loopback. Tests only: never shipped in an image."""
