"""`python -m drisya_client ...`: the client command line."""

import sys

from drisya_client.cli import main

sys.exit(main())
