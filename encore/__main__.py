"""``python -m encore COMMAND [ARGS...]``, the same as the ``encore`` console script."""

from encore.instance import main

main()
