"""Output generators: each turns the loaded site into files (site path -> bytes)."""
