"""``python -m rhcos_helpers``: the ``rhcos-runbooks`` command."""

from __future__ import annotations

import sys

from rhcos_helpers.cli import main

sys.exit(main())
