"""python -m centric.cli"""

from centric.cli import main

main()
