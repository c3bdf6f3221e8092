"""The gallery installation: an unattended drawing machine with a catalogue, a status page and exact redraws."""
