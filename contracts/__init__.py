"""What every layer may import: the project's errors and the stage contracts. No I/O, no Faust."""
