"""actorgrid.market: the pure market core (no actors, no I/O).

Money is whole iotas (``Iota``), energy whole watt-hours (``Wh``), prices whole iotas per
kWh (``Price``); sub-iota amounts are exact ``Fraction`` values carried on accounts.

A Grid actor's slot is three calls::

    result = clear(slot, offers, bids, rule_by_name("pay_as_clear"), tariffs)
    settlement = settle(result, grid_id, carries)     # invoices, payouts, fee, utility
    carries = settlement.carries                      # keep for the next slot

and a Consumer pays with ``plan_payment(book, consumer_id, policy)``.
"""

from actorgrid.market.allocation import allocate
from actorgrid.market.book import Bid, GridFee, Offer, PerKwhFee, ShareFee, Tariffs, check_book
from actorgrid.market.clearing import (
    ClearingResult,
    ConsumerOutcome,
    ProducerOutcome,
    Reason,
    clear,
)
from actorgrid.market.ids import invoice_id, payment_key, payout_id
from actorgrid.market.kpi import (
    EnergyBalance,
    MoneyFlows,
    kpis,
    retail_savings,
    self_consumption,
    self_sufficiency,
)
from actorgrid.market.payments import (
    Allocation,
    InvoiceBook,
    PaymentPlan,
    PaymentPolicy,
    payment_due,
    plan_payment,
)
from actorgrid.market.rules import (
    DEFAULT_RULE,
    RULES,
    ClearingRule,
    Fill,
    FixedPrice,
    Match,
    PayAsBid,
    PayAsClear,
    rule_by_name,
)
from actorgrid.market.settlement import (
    Carries,
    Invoice,
    Payout,
    SlotSettlement,
    bill,
    payouts,
    settle,
)
from actorgrid.market.slots import SlotCalendar
from actorgrid.market.units import (
    WH_PER_KWH,
    Amount,
    Iota,
    MarketError,
    Price,
    SlotId,
    Wh,
    energy_value,
    split_whole,
)

__all__ = [
    "DEFAULT_RULE",
    "RULES",
    "WH_PER_KWH",
    "Allocation",
    "Amount",
    "Bid",
    "Carries",
    "ClearingResult",
    "ClearingRule",
    "ConsumerOutcome",
    "EnergyBalance",
    "Fill",
    "FixedPrice",
    "GridFee",
    "Invoice",
    "InvoiceBook",
    "Iota",
    "MarketError",
    "Match",
    "MoneyFlows",
    "Offer",
    "PayAsBid",
    "PayAsClear",
    "PaymentPlan",
    "PaymentPolicy",
    "Payout",
    "PerKwhFee",
    "Price",
    "ProducerOutcome",
    "Reason",
    "ShareFee",
    "SlotCalendar",
    "SlotId",
    "SlotSettlement",
    "Tariffs",
    "Wh",
    "allocate",
    "bill",
    "check_book",
    "clear",
    "energy_value",
    "invoice_id",
    "kpis",
    "payment_due",
    "payment_key",
    "payout_id",
    "payouts",
    "plan_payment",
    "retail_savings",
    "rule_by_name",
    "self_consumption",
    "self_sufficiency",
    "settle",
    "split_whole",
]
