"""Reading a ballot form into the canonical choice, with messages beside the right field.

The ballot forms are plain HTML (they work without JavaScript): radio buttons for
yes/no and single choice, checkboxes for approval, and one numbered select per candidate
for ranked ballots. A ranked ballot must rank at least one candidate, give each rank to
one candidate only, and use ranks 1, 2, 3 ... without gaps.
"""

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from deliberate.core.ballot_chain import ChoiceKind, encode_choice
from deliberate.core.errors import ValidationError
from deliberate.core.tally import double_yes
from deliberate.models import Referendum, VoteMethod


class RepeatedField(ValidationError):
    """A field that may appear once was sent several times (a forged form, T17)."""

    status = 400


def _one(form: MultiDict, name: str) -> str:
    values = form.getlist(name)
    if len(values) > 1:
        raise RepeatedField(_("The form was sent with a repeated field. Nothing was recorded."))
    return values[0].strip() if values else ""


def _ranking(referendum: Referendum, form: MultiDict) -> str:
    ranks: dict[int, list[str]] = {}
    for option in referendum.options:
        value = _one(form, f"rank-{option.slug}")
        if not value:
            continue
        if not value.isdigit() or not 1 <= int(value) <= len(referendum.options):
            raise ValidationError(_("Choose a rank from the list."), field="ranking")
        ranks.setdefault(int(value), []).append(option.label)
    if not ranks:
        raise ValidationError(
            _("Rank at least one candidate: put 1 next to your first choice."), field="ranking"
        )
    for rank, labels in sorted(ranks.items()):
        if len(labels) > 1:
            raise ValidationError(
                _(
                    "You gave rank %(rank)s to more than one candidate (%(candidates)s). "
                    "Give each rank to one candidate only.",
                    rank=rank,
                    candidates=", ".join(labels),
                ),
                field="ranking",
            )
    for expected in range(1, max(ranks) + 1):
        if expected not in ranks:
            raise ValidationError(
                _(
                    "Rank %(rank)s is missing: number your choices 1, 2, 3 … without gaps.",
                    rank=expected,
                ),
                field="ranking",
            )
    slug_of = {o.label: o.slug for o in referendum.options}
    return encode_choice(ChoiceKind.RANKING, [slug_of[ranks[r][0]] for r in sorted(ranks)])


def choice_from_form(referendum: Referendum, form: MultiDict) -> str:
    """The canonical choice a submitted ballot form expresses, or ValidationError."""
    method = referendum.method
    slugs = {o.slug for o in referendum.options}
    if method is VoteMethod.YES_NO:
        answer = _one(form, "choice")
        if answer not in ("yes", "no", "abstain"):
            raise ValidationError(_("Choose yes, no or abstain."), field="choice")
        return answer
    if method is VoteMethod.DOUBLE_YES:
        parts = [_one(form, name) for name in ("initiative", "counter", "preference")]
        return double_yes.encode(*(part or "missing" for part in parts))
    if method is VoteMethod.SINGLE:
        answer = _one(form, "choice")
        if answer not in slugs:
            raise ValidationError(_("Choose one of the options."), field="choice")
        return encode_choice(ChoiceKind.SINGLE, answer)
    if method is VoteMethod.APPROVAL:
        approved = form.getlist("approve")
        if len(set(approved)) != len(approved) or not set(approved) <= slugs:
            raise RepeatedField(_("The form named an option twice or one not on the ballot."))
        return encode_choice(ChoiceKind.APPROVAL, approved)
    return _ranking(referendum, form)
