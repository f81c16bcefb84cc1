"""The amendment a rule-change proposal carries: one kind's rule set, as the committee edits it."""

from wtforms import HiddenField

from deliberate.core.rules import RuleSet
from deliberate.forms.rulebook import RuleSetForm, form_data


class AmendmentForm(RuleSetForm):
    """RuleSetForm plus the kind being amended (chosen on the page's kind selector)."""

    kind = HiddenField()


def amendment_form(ruleset: RuleSet, *, kind: str, groups: list[str]) -> AmendmentForm:
    """A fresh form showing ``ruleset`` for ``kind``, ignoring whatever the request posted."""
    form = AmendmentForm(formdata=None, data=form_data(ruleset) | {"kind": kind})
    form.set_choices(groups, ruleset.entrenched)
    return form
