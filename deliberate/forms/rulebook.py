"""Rulebook forms: one kind's rule set edited without code, and adding a kind.

Percentages are typed as decimals ("5", "2.5") and turned into exact Fractions from
the text itself (Fraction("2.5") / 100), never through a float.
"""

from fractions import Fraction

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from deliberate import labels
from deliberate.core.rules import (
    Majority,
    MembershipStatus,
    RuleSet,
    Tier,
    VoteRules,
)
from deliberate.core.rules.describe import label_for
from deliberate.core.rules.presets import PRESETS
from deliberate.core.rules.ruleset import CONSEQUENCE_TEXT
from deliberate.i18n import lazy

TIER_ROWS = 4
MAX_TIERS = 8
# Rules that can be entrenched, in reading order (tier rows are entrenched as a whole).
ENTRENCHABLE = (
    "name",
    "co_sponsors",
    "admission",
    "collection_days",
    "tiers",
    "vote",
    "vote.majority",
    "vote.turnout_quorum",
    "vote.approval_quorum",
    "vote.abstentions",
    "vote.has_double_majority",
    "vote.deliberation_days",
    "vote.voting_days",
    "eligibility.statuses",
    "eligibility.min_membership_days",
    "eligibility.counted_until",
    "eligibility.group",
)
MAJORITIES = {
    "simple": Majority(Fraction(1, 2), is_strict=True),
    "two-thirds": Majority(Fraction(2, 3), is_strict=False),
    "three-quarters": Majority(Fraction(3, 4), is_strict=False),
}
PRESET_NAMES = {
    "uk-parliament-petitions": _l("UK Parliament petitions"),
    "momentum-2017": _l("Momentum 2017"),
    "european-citizens-initiative": _l("European Citizens' Initiative"),
    "swiss-popular-initiative": _l("Swiss popular initiative"),
    "madrid-consul": _l("Madrid / Consul"),
}


def percent_text(share: Fraction | None) -> str:
    """The form spelling of a share: Fraction(1, 40) -> '2.5'.

    A share with no short exact decimal (1/3) is rounded down to 6 places; the form can
    only ever produce decimal shares, so this arises only for hand-made rule sets.
    """
    if share is None:
        return ""
    scaled = share * 100 * 10**6
    whole, part = divmod(scaled.numerator // scaled.denominator, 10**6)
    digits = f"{part:06d}".rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes; the template puts them in a fieldset with a legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _optional_days(label, minimum: int = 1) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=minimum, message=_l("Enter at least %(min)s days.")),
        ],
    )


class TierForm(Form):
    """One tier row; a row with no consequence and no numbers is left out."""

    count = IntegerField(
        _l("Number of signatures"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter at least 1."))],
    )
    percentage = StringField(_l("Percentage of members"), validators=[Length(max=12)])
    combine = SelectField(
        _l("If both are given"),
        default="",
        choices=[
            ("", _l("(only one is given)")),
            ("lower", _l("whichever is lower")),
            ("higher", _l("whichever is higher")),
        ],
    )
    consequence = SelectField(
        _l("What reaching it brings about"),
        default="",
        choices=[("", _l("(no tier)"))]
        + [(c.value, lazy(text)) for c, text in CONSEQUENCE_TEXT.items()],
    )
    respond_within_days = _optional_days(_l("The committee must respond within (days)"))
    groups_needed = IntegerField(
        _l("Local groups that must each reach a minimum"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter at least 1."))],
    )
    group_count = IntegerField(
        _l("Minimum signatures per group"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter at least 1."))],
    )
    group_percentage = StringField(
        _l("Minimum percentage of each group's members"), validators=[Length(max=12)]
    )

    def is_blank(self) -> bool:
        return not any(
            (field.raw_data or [""])[0].strip() if field.raw_data else field.data
            for field in (self.count, self.percentage, self.consequence, self.groups_needed)
        )


class RuleSetForm(FlaskForm):
    """One kind's rule set."""

    base_version = HiddenField()
    preset = SelectField(
        _l("Start from a preset"),
        default="",
        choices=[("", _l("(choose a preset)"))] + list(PRESET_NAMES.items()),
    )
    fill = SubmitField(_l("Fill the form from this preset"))
    name = StringField(
        _l("Name of this kind of proposal"),
        validators=[InputRequired(_l("Give the kind a name.")), Length(max=80)],
    )
    co_sponsors = IntegerField(
        _l("Co-sponsors needed before signatures open"),
        validators=[
            InputRequired(_l("Enter a whole number (0 for none).")),
            NumberRange(min=0, message=_l("Enter 0 or more.")),
        ],
    )
    tiers = FieldList(FormField(TierForm), min_entries=TIER_ROWS, max_entries=MAX_TIERS)
    admission_required = BooleanField(_l("The committee must admit a proposal first"))
    silence_days = _optional_days(_l("Silence counts as admission after (days)"))
    collection_days = _optional_days(_l("Signatures are collected for (days)"))
    has_vote = BooleanField(_l("Proposals of this kind can go to a members' vote"))
    deliberation_days = IntegerField(
        _l("Deliberation before the vote (days)"),
        validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more days."))],
    )
    voting_days = _optional_days(_l("Voting lasts (days)"))
    turnout_quorum = StringField(_l("Turnout quorum (%)"), validators=[Length(max=12)])
    approval_quorum = StringField(_l("Approval quorum (%)"), validators=[Length(max=12)])
    majority = SelectField(
        _l("Majority"),
        default="simple",
        choices=[
            ("simple", _l("Simple majority (more than half)")),
            ("two-thirds", _l("Two thirds (at least 2/3)")),
            ("three-quarters", _l("Three quarters (at least 3/4)")),
            ("custom", _l("Custom fraction")),
        ],
    )
    majority_custom = StringField(_l("Custom majority, e.g. 3/5"), validators=[Length(max=20)])
    majority_strict = BooleanField(_l("Custom majority: more than the share (untick: at least)"))
    abstentions = SelectField(
        _l("Abstentions"),
        default="excluded",
        choices=[
            ("excluded", _l("count for turnout, not for the majority")),
            ("against", _l("count as votes cast (in effect against)")),
            ("ignored", _l("are ignored entirely")),
        ],
    )
    double_majority = BooleanField(_l("A majority of local groups must also approve"))
    statuses = MultiCheckboxField(
        _l("Membership statuses that may take part"),
        choices=labels.choices(MembershipStatus),
    )
    min_membership_days = IntegerField(
        _l("Minimum length of membership (days)"),
        validators=[
            InputRequired(_l("Enter a whole number of days (0 for none).")),
            NumberRange(min=0, message=_l("Enter 0 or more days.")),
        ],
    )
    counted_until = SelectField(
        _l("Membership is counted up to"),
        default="day_of_action",
        choices=[
            ("day_of_action", _l("the day the member signs or votes")),
            ("signatures_open", _l("the day signatures open")),
            ("voting_opens", _l("the day voting opens")),
        ],
    )
    group = SelectField(
        _l("Open to"), default="", choices=[("", _l("members of every local group"))]
    )
    entrenched = MultiCheckboxField(
        _l("Entrenched: only a members' referendum can change"),
        choices=[(path, lazy(label_for(path))) for path in ENTRENCHABLE],
    )
    reason = TextAreaField(
        _l("Reason for the change (shown in the public history)"), validators=[Length(max=2000)]
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save as new version"))

    def set_choices(self, groups: list[str], entrenched: frozenset[str] = frozenset()) -> None:
        """Local groups for the scope select; any stored entrenched path stays tickable."""
        current = self.group.data or ""
        names = sorted(set(groups) | ({current} if current else set()))
        self.group.choices = [self.group.choices[0], *((name, name) for name in names)]
        extra = sorted(set(entrenched) - set(ENTRENCHABLE))
        self.entrenched.choices = [(p, lazy(label_for(p))) for p in (*ENTRENCHABLE, *extra)]


def _tier_data(tier: Tier) -> dict:
    t, d = tier.threshold, tier.distribution
    return {
        "count": t.count,
        "percentage": percent_text(t.share),
        "combine": t.combine.value if t.combine else "",
        "consequence": tier.consequence.value,
        "respond_within_days": tier.respond_within_days,
        "groups_needed": d.groups_needed if d else None,
        "group_count": d.minimum.count if d else None,
        "group_percentage": percent_text(d.minimum.share) if d else "",
    }


def _majority_data(majority: Majority) -> dict:
    key = next((k for k, m in MAJORITIES.items() if m == majority), "custom")
    custom = f"{majority.share.numerator}/{majority.share.denominator}" if key == "custom" else ""
    return {"majority": key, "majority_custom": custom, "majority_strict": majority.is_strict}


def form_data(ruleset: RuleSet) -> dict:
    """The form's field values for ``ruleset`` (the inverse of ruleset_from_form)."""
    vote = ruleset.vote or VoteRules()
    rows = max(TIER_ROWS, len(ruleset.tiers) + 1)
    data = {
        "name": ruleset.name,
        "co_sponsors": ruleset.co_sponsors,
        "tiers": [_tier_data(t) for t in ruleset.tiers] + [{}] * (rows - len(ruleset.tiers)),
        "admission_required": ruleset.admission.is_required,
        "silence_days": ruleset.admission.silence_days,
        "collection_days": ruleset.collection_days,
        "has_vote": ruleset.vote is not None,
        "deliberation_days": vote.deliberation_days,
        "voting_days": vote.voting_days,
        "turnout_quorum": percent_text(vote.turnout_quorum),
        "approval_quorum": percent_text(vote.approval_quorum),
        "abstentions": vote.abstentions.value,
        "double_majority": vote.has_double_majority,
        "statuses": sorted(s.value for s in ruleset.eligibility.statuses),
        "min_membership_days": ruleset.eligibility.min_membership_days,
        "counted_until": ruleset.eligibility.counted_until.value,
        "group": ruleset.eligibility.group or "",
        "entrenched": sorted(ruleset.entrenched),
    }
    return data | _majority_data(vote.majority)


def edit_form(ruleset: RuleSet, *, base_version: int, groups: list[str]) -> RuleSetForm:
    """A fresh form showing ``ruleset``, ignoring whatever the request posted."""
    form = RuleSetForm(formdata=None, data=form_data(ruleset) | {"base_version": base_version})
    form.set_choices(groups, ruleset.entrenched)
    return form


def preset_ruleset(key: str) -> RuleSet | None:
    """The preset named ``key``, or None."""
    factory = PRESETS.get(key)
    return factory() if factory else None


class NewKindForm(FlaskForm):
    """Add a proposal kind, starting from a preset or a copy of an existing kind."""

    base_version = HiddenField()
    slug = StringField(
        _l("Short name for addresses (e.g. budget-motion)"),
        validators=[InputRequired(_l("Give the kind a short name.")), Length(max=40)],
    )
    name = StringField(
        _l("Name"), validators=[InputRequired(_l("Give the kind a name.")), Length(max=80)]
    )
    start_from = SelectField(_l("Start from"), validators=[InputRequired()])
    reason = TextAreaField(
        _l("Reason for adding it (shown in the public history)"), validators=[Length(max=2000)]
    )

    def set_choices(self, kinds: dict[str, str]) -> None:
        """Presets first, then a copy of each existing kind."""
        self.start_from.choices = [
            *(
                (f"preset:{key}", _l("Preset: %(name)s", name=name))
                for key, name in PRESET_NAMES.items()
            ),
            *((f"kind:{slug}", _l("Copy of: %(name)s", name=name)) for slug, name in kinds.items()),
        ]
