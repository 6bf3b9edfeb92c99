"""`python -m tipkg`: the same as the `tipkg` command."""

from tipkg.cli import main

if __name__ == "__main__":  # guarded, so that importing the module (e.g. by multiprocessing) runs nothing
    main(prog_name="tipkg")
