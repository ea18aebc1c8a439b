"""python -m centric"""

from centric.cli import main

main()
