"""Turning a filled-in rule-set form into a core RuleSet, with each problem beside its field.

Percentages are typed as decimals ("5", "2.5") and turned into exact Fractions from
the text itself (Fraction("2.5") / 100), never through a float.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from deliberate.core.errors import ValidationError
from deliberate.core.rules import (
    AbstentionMode,
    Admission,
    CountedUntil,
    Distribution,
    Eligibility,
    Majority,
    MembershipStatus,
    RuleSet,
    Threshold,
    Tier,
    VoteRules,
)
from deliberate.forms.rulebook import MAJORITIES, RuleSetForm, TierForm
from deliberate.i18n import error_message

_PERCENT = re.compile(r"\d{1,3}(\.\d{1,6})?")
_FRACTION = re.compile(r"(\d+)\s*/\s*(\d+)")


def parse_percent(text: str | None, what: str) -> Fraction | None:
    """'2.5' -> Fraction(1, 40); blank -> None. Exact, from the digits, never via float."""
    text = (text or "").strip().removesuffix("%").strip()
    if not text:
        return None
    if not _PERCENT.fullmatch(text):
        raise ValidationError(
            _("%(what)s: enter a percentage as a number such as 5 or 2.5.", what=what)
        )
    share = Fraction(text) / 100
    if share > 1:
        raise ValidationError(_("%(what)s cannot be more than 100%%.", what=what))
    if share == 0:
        raise ValidationError(
            _("%(what)s must be more than 0%%; leave it blank for none.", what=what)
        )
    return share


def parse_fraction(text: str | None) -> Fraction:
    """'3/5' -> Fraction(3, 5)."""
    match = _FRACTION.fullmatch((text or "").strip())
    if match is None or int(match.group(2)) == 0:
        raise ValidationError(_("Write the majority as a fraction such as 3/5."))
    return Fraction(int(match.group(1)), int(match.group(2)))


class _Collector:
    """Gathers ValidationErrors beside the fields they belong to."""

    def __init__(self, form: FlaskForm):
        self.form = form
        self.failed = False

    @contextmanager
    def on(self, field) -> Iterator[None]:
        try:
            yield
        except ValidationError as error:
            self.failed = True
            if field is None:
                self.form.form_errors.append(error_message(error))
            else:
                field.errors = [*field.errors, error_message(error)]


def _threshold(count, percentage_field, combine: str, what: str) -> Threshold:
    share = parse_percent(percentage_field.data, what)
    if count is None and share is None:
        raise ValidationError(
            _("%(what)s: give a number of signatures, a percentage, or both.", what=what)
        )
    both = count is not None and share is not None
    return Threshold(count=count, share=share, combine=(combine or None) if both else None)


def _tier(row: TierForm, number: int, collect: _Collector) -> Tier | None:
    what = _("Tier %(number)s", number=number)
    threshold = distribution = None
    with collect.on(row.percentage):
        threshold = _threshold(row.count.data, row.percentage, row.combine.data, what)
    if row.groups_needed.data is not None or row.group_count.data or row.group_percentage.data:
        with collect.on(row.group_percentage):
            if row.groups_needed.data is None:
                raise ValidationError(
                    _("%(what)s: say how many local groups must reach the minimum.", what=what)
                )
            if row.group_count.data is not None and row.group_percentage.data.strip():
                raise ValidationError(
                    _("%(what)s: give a per-group number or a percentage, not both.", what=what)
                )
            minimum = _threshold(
                row.group_count.data,
                row.group_percentage,
                "",
                _("%(what)s's group minimum", what=what),
            )
            distribution = Distribution(row.groups_needed.data, minimum)
    if not row.consequence.data:
        with collect.on(row.consequence):
            raise ValidationError(_("%(what)s: choose what reaching it brings about.", what=what))
        return None
    if threshold is None:
        return None
    with collect.on(row.respond_within_days):
        return Tier(threshold, row.consequence.data, distribution, row.respond_within_days.data)
    return None


def _majority(form: RuleSetForm) -> Majority:
    if form.majority.data in MAJORITIES:
        return MAJORITIES[form.majority.data]
    return Majority(parse_fraction(form.majority_custom.data), bool(form.majority_strict.data))


def _vote(form: RuleSetForm, collect: _Collector) -> VoteRules | None:
    if not form.has_vote.data:
        return None
    parts = {}
    for name in ("turnout_quorum", "approval_quorum"):
        with collect.on(getattr(form, name)):
            parts[name] = parse_percent(
                getattr(form, name).data, str(getattr(form, name).label.text)
            )
    majority = None
    with collect.on(form.majority_custom):
        majority = _majority(form)
    if form.voting_days.data is None:
        form.voting_days.errors = [*form.voting_days.errors, _("Say how many days voting lasts.")]
        collect.failed = True
    if collect.failed or majority is None:
        return None
    with collect.on(form.has_vote):
        return VoteRules(
            majority=majority,
            abstentions=AbstentionMode(form.abstentions.data),
            has_double_majority=bool(form.double_majority.data),
            deliberation_days=form.deliberation_days.data or 0,
            voting_days=form.voting_days.data,
            **parts,
        )
    return None


def ruleset_from_form(form: RuleSetForm) -> RuleSet | None:
    """The rule set the form describes, or None with each problem put beside its field.

    Call after form.validate(); the core's own checks (tier order, a vote tier needing
    voting rules) are shown at the top of the form.
    """
    collect = _Collector(form)
    rows = [(n, row.form) for n, row in enumerate(form.tiers, start=1) if not row.form.is_blank()]
    tiers = [_tier(row, n, collect) for n, row in rows]
    vote = _vote(form, collect)
    admission = eligibility = None
    with collect.on(form.silence_days):
        admission = Admission(bool(form.admission_required.data), form.silence_days.data)
    with collect.on(form.statuses):
        eligibility = Eligibility(
            statuses=frozenset(MembershipStatus(s) for s in form.statuses.data or ()),
            min_membership_days=form.min_membership_days.data,
            counted_until=CountedUntil(form.counted_until.data),
            group=form.group.data or None,
        )
    if not rows:
        form.form_errors.append(_("Fill in at least one signature tier."))
        return None
    if collect.failed or form.errors:
        return None
    with collect.on(None):
        return RuleSet(
            name=form.name.data.strip(),
            tiers=tuple(tiers),
            co_sponsors=form.co_sponsors.data,
            admission=admission,
            collection_days=form.collection_days.data,
            vote=vote,
            eligibility=eligibility,
            entrenched=frozenset(form.entrenched.data or ()),
        )
    return None
