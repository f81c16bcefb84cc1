"""A rule set governs one kind of proposal; a rulebook maps each kind to its rule set."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from types import MappingProxyType

from deliberate.core.errors import ValidationError
from deliberate.core.messages import N_, Message
from deliberate.core.rules._checks import (
    check_bool,
    check_enum,
    check_int,
    check_optional_int,
    check_text,
)
from deliberate.core.rules._format import counted, days_text
from deliberate.core.rules.eligibility import Eligibility
from deliberate.core.rules.threshold import (
    Distribution,
    Threshold,
    describe_threshold,
    first_size_needing_fewer,
)
from deliberate.core.rules.voting import VoteRules


class Consequence(Enum):
    """What happens when a tier's threshold is reached."""

    COMMITTEE_MAY_CONSIDER = "committee_may_consider"
    COMMITTEE_MUST_CONSIDER = "committee_must_consider"
    COMMITTEE_MUST_RESPOND = "committee_must_respond"
    DEBATE = "debate"
    QUALIFIES_FOR_VOTE = "qualifies_for_vote"
    BINDING_REFERENDUM = "binding_referendum"

    @property
    def leads_to_vote(self) -> bool:
        """Whether reaching this tier puts the proposal to a members' vote."""
        return self in (Consequence.QUALIFIES_FOR_VOTE, Consequence.BINDING_REFERENDUM)


CONSEQUENCE_TEXT = {
    Consequence.COMMITTEE_MAY_CONSIDER: N_("the committee may consider it"),
    Consequence.COMMITTEE_MUST_CONSIDER: N_("the committee must consider it"),
    Consequence.COMMITTEE_MUST_RESPOND: N_("the committee must respond"),
    Consequence.DEBATE: N_("it is debated in a full members' meeting"),
    Consequence.QUALIFIES_FOR_VOTE: N_("it goes to a members' vote"),
    Consequence.BINDING_REFERENDUM: N_(
        "a binding all-member referendum is held, whatever the committee says"
    ),
}


@dataclass(frozen=True)
class Tier:
    """One threshold and what reaching it brings about, with an optional spread requirement."""

    threshold: Threshold
    consequence: Consequence
    distribution: Distribution | None = None
    respond_within_days: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, Threshold):
            raise ValidationError(N_("Each tier needs a signature threshold."))
        consequence = check_enum(self.consequence, Consequence, N_("A tier's consequence"))
        object.__setattr__(self, "consequence", consequence)
        if self.distribution is not None and not isinstance(self.distribution, Distribution):
            raise ValidationError(N_("A tier's distribution requirement is not valid."))
        check_optional_int(self.respond_within_days, N_("The days to respond"), minimum=1)
        if (
            self.respond_within_days is not None
            and consequence is not Consequence.COMMITTEE_MUST_RESPOND
        ):
            raise ValidationError(
                N_("A deadline to respond only applies when the committee must respond.")
            )


def describe_consequence(tier: Tier) -> Message:
    """'the committee must respond within 28 days'."""
    text = CONSEQUENCE_TEXT[tier.consequence]
    if tier.respond_within_days is not None:
        return N_(
            "%(consequence)s within %(days)s",
            consequence=text,
            days=days_text(tier.respond_within_days),
        )
    return text


def describe_tier(tier: Tier) -> Message:
    """'At 10% of members, a binding all-member referendum is held...'."""
    threshold, consequence = describe_threshold(tier.threshold), describe_consequence(tier)
    if tier.distribution is None:
        return N_("At %(threshold)s, %(consequence)s", threshold=threshold, consequence=consequence)
    distribution = tier.distribution
    return N_(
        "At %(threshold)s, %(consequence)s, provided at least %(groups)s local groups each "
        "reach %(minimum)s",
        threshold=threshold,
        consequence=consequence,
        groups=distribution.groups_needed,
        minimum=describe_threshold(distribution.minimum, of_group=True),
    )


@dataclass(frozen=True)
class Admission:
    """The committee gate: whether the committee must admit a proposal before signatures open.

    ``silence_days``: after this many days without a decision, silence counts as admission;
    None means the committee must decide.
    """

    is_required: bool = False
    silence_days: int | None = None

    def __post_init__(self) -> None:
        check_bool(self.is_required, N_("Whether the committee must admit proposals"))
        check_optional_int(self.silence_days, N_("The days after which silence admits"), minimum=1)
        if self.silence_days is not None and not self.is_required:
            raise ValidationError(
                N_("Silence can only count as admission when admission is required.")
            )


# Fields under which an entrenched path may continue, e.g. "vote.turnout_quorum".
_NESTED_FIELDS = {
    "admission": Admission,
    "vote": VoteRules,
    "eligibility": Eligibility,
}


@dataclass(frozen=True)
class RuleSet:
    """The rules for one kind of proposal (campaign, policy motion, rule change, ...).

    A single signature threshold is simply a one-tier list. ``entrenched`` holds field
    paths ("vote.turnout_quorum", "tiers") that only a members' referendum may change.
    """

    name: str
    tiers: tuple[Tier, ...]
    co_sponsors: int = 0
    admission: Admission = Admission()
    collection_days: int | None = None
    vote: VoteRules | None = None
    eligibility: Eligibility = Eligibility()
    entrenched: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        check_text(self.name, N_("The rule set's name"))
        check_int(self.co_sponsors, N_("The number of co-sponsors"))
        check_optional_int(self.collection_days, N_("The collection window in days"), minimum=1)
        for name, kind in (("admission", Admission), ("eligibility", Eligibility)):
            if not isinstance(getattr(self, name), kind):
                raise ValidationError(N_("The %(name)s rules are not valid.", name=name))
        if self.vote is not None and not isinstance(self.vote, VoteRules):
            raise ValidationError(N_("The voting rules are not valid."))
        if isinstance(self.tiers, Tier) or not self.tiers:
            raise ValidationError(N_("A rule set needs at least one signature tier."))
        object.__setattr__(self, "tiers", tuple(self.tiers))
        if not all(isinstance(tier, Tier) for tier in self.tiers):
            raise ValidationError(N_("Every tier must be a Tier."))
        _check_tier_order(self.tiers)
        _check_vote_tier(self)
        if isinstance(self.entrenched, str):
            raise ValidationError(N_("Entrenched rules must be a set of paths."))
        object.__setattr__(self, "entrenched", frozenset(self.entrenched))
        for path in self.entrenched:
            check_entrenchable(path)

    @property
    def vote_tier(self) -> Tier | None:
        """The tier whose threshold qualifies a proposal for a vote, if there is one."""
        return next((tier for tier in self.tiers if tier.consequence.leads_to_vote), None)


def _check_tier_order(tiers: tuple[Tier, ...]) -> None:
    for number, (lower, higher) in enumerate(zip(tiers, tiers[1:], strict=False), start=2):
        size = first_size_needing_fewer(lower.threshold, higher.threshold)
        if size is not None:
            raise ValidationError(
                N_(
                    "Tier %(number)s (%(higher)s) must never need fewer signatures than tier "
                    "%(previous)s (%(lower)s), but with %(members)s it would.",
                    number=number,
                    higher=describe_threshold(higher.threshold),
                    previous=number - 1,
                    lower=describe_threshold(lower.threshold),
                    members=counted(max(size, 1), N_("1 member"), N_("%(n)s members")),
                )
            )
        same = first_size_needing_fewer(higher.threshold, lower.threshold) is None
        if same and lower.distribution == higher.distribution:
            raise ValidationError(
                N_(
                    "Tier %(number)s needs exactly the same support as tier %(previous)s; "
                    "each tier must ask for more.",
                    number=number,
                    previous=number - 1,
                )
            )


def _check_vote_tier(ruleset: RuleSet) -> None:
    vote_tiers = [tier for tier in ruleset.tiers if tier.consequence.leads_to_vote]
    if len(vote_tiers) > 1:
        raise ValidationError(N_("Only one tier can put a proposal to a vote."))
    if vote_tiers and ruleset.vote is None:
        raise ValidationError(N_("A tier leads to a vote, so the voting rules must be set."))


def check_entrenchable(path: str) -> str:
    """Return ``path`` if it names a rule-set field (e.g. 'vote.turnout_quorum'), else raise."""
    if not isinstance(path, str) or not path:
        raise ValidationError(N_("An entrenched rule must be named by a field path."))
    head, _, rest = path.partition(".")
    top = {f.name for f in fields(RuleSet)}
    if head not in top:
        raise ValidationError(N_("“%(path)s” is not a rule that can be entrenched.", path=path))
    if not rest:
        return path
    if head == "tiers" and re.fullmatch(r"\d+(\.[a-z_]+)*", rest):
        return path
    nested = _NESTED_FIELDS.get(head)
    if nested is None or rest not in {f.name for f in fields(nested)}:
        raise ValidationError(N_("“%(path)s” is not a rule that can be entrenched.", path=path))
    return path


_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class Rulebook:
    """The organisation's whole rulebook: a mapping of proposal-kind slug to rule set.

    Entrenchment lives on each rule set; ``entrenched`` gathers it as 'kind.path'.
    """

    rulesets: Mapping[str, RuleSet]

    def __post_init__(self) -> None:
        if not isinstance(self.rulesets, Mapping):
            raise ValidationError(N_("A rulebook maps proposal kinds to rule sets."))
        for kind, ruleset in self.rulesets.items():
            if not isinstance(kind, str) or not _SLUG.fullmatch(kind):
                raise ValidationError(
                    N_(
                        "%(kind)s is not a valid kind; use lower-case words joined by hyphens.",
                        kind=repr(kind),
                    )
                )
            if not isinstance(ruleset, RuleSet):
                raise ValidationError(N_("The rules for “%(kind)s” are not a rule set.", kind=kind))
        frozen = MappingProxyType(dict(sorted(self.rulesets.items())))
        object.__setattr__(self, "rulesets", frozen)

    def __hash__(self) -> int:
        return hash(tuple(self.rulesets.items()))

    @property
    def entrenched(self) -> frozenset[str]:
        """Every entrenched path across the rulebook, as 'kind.path'."""
        return frozenset(
            f"{kind}.{path}"
            for kind, ruleset in self.rulesets.items()
            for path in ruleset.entrenched
        )
