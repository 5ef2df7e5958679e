"""Average deal size and win rate of the deals closed in the period, with the advice they imply.

The rule (thresholds per currency, set by NURTURE_DEAL_SIZE_HIGH and NURTURE_DEAL_SIZE_LOW):
- an average won deal of at least the high threshold (default 10,000) favours fewer, deeper touches:
  each deal repays research, personal emails and calls;
- one of at most the low threshold (default 1,000) favours volume: automate, widen the top of the funnel,
  keep reps' time for the hottest leads;
- in between, a balance: automated nurture, a rep's touch from the handoff on.
No advice from fewer than MIN_WON won deals. With at least MIN_CLOSED closed deals, a win rate under
LOW_WIN_RATE says qualify harder before opening opportunities; one over HIGH_WIN_RATE says sales could take
on more, less certain leads.

Amounts in different currencies are never added together: each currency is its own row. One grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nurture.models import Opportunity, PipelineStage, StageOutcome
from nurture.reports.period import Period
from nurture.reports.table import Chart, Column, Report, Table, rate

MIN_WON, MIN_CLOSED = 5, 10
LOW_WIN_RATE, HIGH_WIN_RATE = 0.2, 0.5
DEEPER = "fewer, deeper touches"
VOLUME = "volume"
BALANCED = "balanced"


@dataclass(frozen=True)
class DealThresholds:
    high: Decimal = Decimal(10_000)
    low: Decimal = Decimal(1_000)


def advice(won: int, lost: int, won_amount: Decimal, thresholds: DealThresholds) -> tuple[str | None, list[str]]:
    """(the style: deeper, volume or balanced, or None without enough deals; the sentences that say why)."""
    closed, sentences, style = won + lost, [], None
    if won < MIN_WON:
        sentences.append(f"Too few won deals ({won}) to advise on touches: at least {MIN_WON} needed.")
    else:
        average = won_amount / won
        if average >= thresholds.high:
            style = DEEPER
            sentences.append(f"Average deal {average:,.0f} ≥ {thresholds.high:,.0f}: favour fewer, deeper touches "
                             "(research, personal emails, calls); each deal repays the time.")  # fmt: skip
        elif average <= thresholds.low:
            style = VOLUME
            sentences.append(f"Average deal {average:,.0f} ≤ {thresholds.low:,.0f}: favour volume (automated sequences, "
                             "a wider top of the funnel); keep reps' time for the hottest leads.")  # fmt: skip
        else:
            style = BALANCED
            sentences.append(f"Average deal {average:,.0f} between {thresholds.low:,.0f} and {thresholds.high:,.0f}: "
                             "balance automated nurture with a rep's touch from the handoff on.")  # fmt: skip
    if closed >= MIN_CLOSED and won / closed < LOW_WIN_RATE:
        sentences.append(f"Win rate {won / closed:.0%} is under {LOW_WIN_RATE:.0%}: qualify harder before opening opportunities.")
    elif closed >= MIN_CLOSED and won / closed > HIGH_WIN_RATE:
        sentences.append(f"Win rate {won / closed:.0%} is over {HIGH_WIN_RATE:.0%}: sales could take on more, less certain leads.")
    return style, sentences


def deal_counts(session: Session, period: Period) -> list[tuple]:
    """(currency, source, outcome, deals, amount) for the deals closed (won or lost) in the period."""
    conditions = [PipelineStage.outcome.in_([StageOutcome.WON, StageOutcome.LOST])]
    conditions += [Opportunity.closed_at >= period.start] if period.start else []
    conditions += [Opportunity.closed_at < period.end] if period.end else []
    query = (
        select(Opportunity.currency, Opportunity.source, PipelineStage.outcome, func.count(), func.sum(Opportunity.amount))
        .join(PipelineStage, PipelineStage.id == Opportunity.stage_id)
        .where(*conditions)
        .group_by(Opportunity.currency, Opportunity.source, PipelineStage.outcome)
    )
    return [tuple(row) for row in session.execute(query)]


def _row(won: int, lost: int, amount: Decimal) -> dict[str, object]:
    return {"won": won, "lost": lost, "win_rate": rate(won, won + lost), "won_amount": amount,
            "average_deal_size": (amount / won).quantize(Decimal("0.01")) if won else None}  # fmt: skip


def deals_report(counts: list[tuple], period: Period, thresholds: DealThresholds) -> Report:
    # (currency, source) → [won, lost, won amount]
    groups: dict[tuple[str, str], list] = {}
    for currency, source, outcome, deals, amount in counts:
        group = groups.setdefault((currency, getattr(source, "value", source)), [0, 0, Decimal(0)])
        if outcome == StageOutcome.WON:
            group[0] += int(deals)
            group[2] += Decimal(amount or 0)
        else:
            group[1] += int(deals)
    currencies: dict[str, list] = {}
    for (currency, _source), (won, lost, amount) in groups.items():
        total = currencies.setdefault(currency, [0, 0, Decimal(0)])
        total[0], total[1], total[2] = total[0] + won, total[1] + lost, total[2] + amount
    by_currency, notes = [], []
    for currency, (won, lost, amount) in sorted(currencies.items()):
        style, sentences = advice(won, lost, amount, thresholds)
        by_currency.append({"currency": currency, **_row(won, lost, amount), "advice": style})
        notes += [f"{currency}: {s}" for s in sentences]
    money = [Column("won", "Won", "count"), Column("lost", "Lost", "count"), Column("win_rate", "Win rate", "rate"),
             Column("won_amount", "Won amount", "money"), Column("average_deal_size", "Average deal size", "money")]  # fmt: skip
    tables = [
        Table("by_currency", "Closed deals by currency", [Column("currency", "Currency"), *money, Column("advice", "Advice")],
              by_currency),
        Table("by_source", "Closed deals by source", [Column("source", "Source", "key"), Column("currency", "Currency"), *money],
              [{"source": s, "currency": c, **_row(*groups[(c, s)])} for c, s in sorted(groups, key=lambda k: (k[1], k[0]))],
              Chart("source", ("won", "lost"), stacked=True)),
    ]  # fmt: skip
    if not by_currency:
        notes.append("No deals closed in the period.")
    summary = {"thresholds": {"high": thresholds.high, "low": thresholds.low, "min_won": MIN_WON, "min_closed": MIN_CLOSED,
                              "low_win_rate": LOW_WIN_RATE, "high_win_rate": HIGH_WIN_RATE},
               "by_currency": {r["currency"]: {"advice": r["advice"], "win_rate": r["win_rate"],
                                               "average_deal_size": r["average_deal_size"]} for r in by_currency}}  # fmt: skip
    return Report("deals", "Deal size and win rate", period, tables, notes, summary)
