"""Inbound mail acting on the engine: matching replies and bounces to sent messages and leads, then acting."""
