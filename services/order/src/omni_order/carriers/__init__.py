"""Carriers behind one interface (base.Carrier): Nova Poshta, Meest and a table rate."""
