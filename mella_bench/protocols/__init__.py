"""Named scoring protocols other than mella-bench's own (`mella-bench score --protocol NAME`).

A protocol re-scores a run directory's predictions the way someone else did, so that published
numbers can be reproduced from released predictions. Each writes `summary.<name>.json` beside the
run's own summary.json, with the same schema. Registered protocols: `mella-2024`
(`mella_bench.protocols.mella2024`).
"""

from __future__ import annotations

PROTOCOLS = ("mella-2024",)
"""Names accepted by `mella-bench score --protocol`."""
