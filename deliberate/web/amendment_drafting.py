"""A rule-change proposal's amendment: its author drafts it; the proposal page shows its diff."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from deliberate.core.errors import DeliberateError, NotFoundError, PhaseError
from deliberate.extensions import db
from deliberate.forms.amendment import AmendmentForm, amendment_form
from deliberate.forms.rulebook import preset_ruleset
from deliberate.forms.rulebook_draft import ruleset_from_form
from deliberate.models import utcnow
from deliberate.permissions import can_propose, requires
from deliberate.services import amendment_drafting, groups, proposals
from deliberate.services import rulebook as rules
from deliberate.web.forms_glue import attach_error

bp = Blueprint("amendment_drafting", __name__)


@bp.app_context_processor
def amendment_helpers():
    def amendment_for(proposal):
        """The amendment's changes for the proposal page, or None (not a rule change)."""
        if not amendment_drafting.carries_amendment(proposal):
            return None
        return amendment_drafting.amendment_changes(db.session, proposal)

    return {
        "amendment_for": amendment_for,
        "carries_amendment": amendment_drafting.carries_amendment,
        "amendment_editable": amendment_drafting.is_editable,
    }


def _group_names() -> list[str]:
    return [name for _id, name in groups.choices(db.session)]


def _own_proposal(ref: str):
    proposal = proposals.get_by_ref(db.session, ref, viewer_id=current_user.id)
    proposals.advance_if_due(db.session, proposal, utcnow(), current_app.config["BASE_URL"])
    if proposal.author_id != current_user.id:
        raise NotFoundError(_("Only the proposal's author can do that."))
    if not amendment_drafting.carries_amendment(proposal):
        abort(404)
    if not amendment_drafting.is_editable(proposal):
        raise PhaseError(
            _("The amendment is frozen: signatures have opened, so members know what they sign.")
        )
    return proposal


def _draft_kind(proposal, book) -> str:
    """The kind shown: ?kind= if valid, else the kind the amendment changes, else the first."""
    wanted = request.values.get("kind", "")
    if wanted in book.rulesets:
        return wanted
    changes = amendment_drafting.amendment_changes(db.session, proposal)
    if changes and changes.changes:
        return changes.changes[0].path.split(".", 1)[0]
    return next(iter(book.rulesets))


def _render(proposal, kind: str, form: AmendmentForm, status: int = 200):
    book = rules.current_rulebook(db.session)
    page = render_template(
        "proposals/amendment.html",
        proposal=proposal,
        kind=kind,
        kinds=[(slug, rs.name) for slug, rs in book.rulesets.items()],
        form=form,
        changes=amendment_drafting.amendment_changes(db.session, proposal),
    )
    return page, status


@bp.route("/proposals/<ref>/amendment", methods=["GET", "POST"])
@requires(can_propose)
def edit(ref: str):
    proposal = _own_proposal(ref)
    book = rules.current_rulebook(db.session)
    kind = _draft_kind(proposal, book)
    if request.method == "GET":
        proposed = amendment_drafting.proposed_rulebook(proposal)
        shown = (proposed.rulesets.get(kind) if proposed else None) or book.rulesets[kind]
        return _render(proposal, kind, amendment_form(shown, kind=kind, groups=_group_names()))
    form = AmendmentForm()
    form.set_choices(_group_names(), book.rulesets[kind].entrenched)
    form.kind.data = kind
    if form.fill.data:
        preset = preset_ruleset(form.preset.data or "")
        if preset is None:
            form.preset.errors = [_("Choose a preset to start from.")]
            return _render(proposal, kind, form, 422)
        filled = amendment_form(preset, kind=kind, groups=_group_names())
        filled.name.data = form.name.data or preset.name
        filled.preset.data = form.preset.data
        return _render(proposal, kind, filled)
    draft = ruleset_from_form(form) if form.validate_on_submit() else None
    if draft is None:
        return _render(proposal, kind, form, 422)
    try:
        amendment_drafting.set_amendment(
            db.session,
            proposal_id=proposal.id,
            author_id=current_user.id,
            kind=kind,
            ruleset=draft,
            now=utcnow(),
        )
    except DeliberateError as error:
        db.session.rollback()
        attach_error(form, error)
        return _render(proposal, kind, form, error.status)
    flash(_("The amendment is saved."), "success")
    return redirect(url_for("proposals.detail", ref=ref), 303)
