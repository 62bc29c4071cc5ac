"""The conversation and its rules without Qt, shared by the window and `desktop-chat ask`."""
