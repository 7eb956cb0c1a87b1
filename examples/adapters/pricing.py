"""An adapter whose tool asks its C++ host for prices: a host tool.

``quote`` totals an order; each price comes from the host's ``price_of``
tool (examples/host_tools/main.cpp), called with ``context.call_host``. A
SKU the host has no price for comes back as a ``HostToolError``, which the
tool reports instead of failing the whole quote.
"""

from __future__ import annotations

from typing import Any

from snakepit_bridge import BaseAdapter, HostToolError, ToolContext, tool


class PricingAdapter(BaseAdapter):
    """Quotes orders at the host's prices."""

    @tool
    def quote(self, items: dict[str, int], context: ToolContext) -> dict[str, Any]:
        """Totals ``items`` ({sku: quantity}) in cents at the host's prices."""
        lines: dict[str, int] = {}
        unpriced: list[str] = []
        for sku, quantity in items.items():
            try:
                price = context.call_host("price_of", sku=sku)
            except HostToolError as error:
                unpriced.append(f"{sku} ({error.category})")
                continue
            lines[sku] = price * quantity
        return {"lines": lines, "total": sum(lines.values()),
                "unpriced": unpriced,
                "host_tools": [t.name for t in context.host_tools]}
