"""The rulebook: the rules in force and their history (public), and the committee's editor."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from deliberate.core.errors import ConflictError, DeliberateError
from deliberate.extensions import db
from deliberate.forms.rulebook import (
    NewKindForm,
    RuleSetForm,
    edit_form,
    preset_ruleset,
)
from deliberate.forms.rulebook_draft import ruleset_from_form
from deliberate.i18n import error_message
from deliberate.models import utcnow
from deliberate.permissions import can_edit_rulebook, public, requires
from deliberate.services import groups, rulebook_feasibility
from deliberate.services import rulebook as rules
from deliberate.web.forms_glue import attach_error
from deliberate.web.signed_in import signed_in_member

bp = Blueprint("rulebook", __name__, url_prefix="/rulebook")


@bp.get("/")
@public
def index():
    version = rules.current_version(db.session)
    kinds = rulebook_feasibility.summarise(
        db.session, rules.rulebook_of(version), with_feasibility=True
    )
    return render_template("rulebook/index.html", version=version, kinds=kinds)


@bp.get("/versions")
@public
def versions():
    return render_template("rulebook/versions.html", versions=rules.versions(db.session))


@bp.get("/versions/<int(min=1, max=2147483647):number>")
@public
def version(number: int):
    shown = rules.get_version(db.session, number)
    kinds = rulebook_feasibility.summarise(
        db.session, rules.rulebook_of(shown), with_feasibility=False
    )
    changes = rules.version_diff(db.session, number)
    return render_template("rulebook/version.html", version=shown, kinds=kinds, changes=changes)


def _group_names() -> list[str]:
    return [name for _id, name in groups.choices(db.session)]


def _render_edit(kind: str, form: RuleSetForm, status: int = 200, preview=None):
    page = render_template("rulebook/edit.html", kind=kind, form=form, preview=preview)
    return page, status


@bp.route("/edit/<kind>", methods=["GET", "POST"])
@requires(can_edit_rulebook)
def edit(kind: str):
    version = rules.current_version(db.session)
    ruleset = rules.rulebook_of(version).rulesets.get(kind)
    if ruleset is None:
        abort(404)
    if request.method == "GET":
        return _render_edit(
            kind, edit_form(ruleset, base_version=version.number, groups=_group_names())
        )
    form = RuleSetForm()
    form.set_choices(_group_names(), ruleset.entrenched)
    if form.fill.data:
        return _fill_from_preset(kind, form)
    draft = ruleset_from_form(form) if form.validate_on_submit() else None
    if draft is None:
        return _render_edit(kind, form, 422)
    if not form.save.data:
        return _render_edit(
            kind,
            form,
            preview=rulebook_feasibility.preview_kind(db.session, kind=kind, ruleset=draft),
        )
    return _save(kind, form, draft)


def _fill_from_preset(kind: str, form: RuleSetForm):
    # CSRFProtect has already checked the token; the rest of the form may be half filled.
    preset = preset_ruleset(form.preset.data or "")
    if preset is None:
        form.preset.errors = [_("Choose a preset to start from.")]
        return _render_edit(kind, form, 422)
    filled = edit_form(preset, base_version=int(form.base_version.data or 0), groups=_group_names())
    filled.name.data = form.name.data or preset.name
    filled.preset.data = form.preset.data
    return _render_edit(kind, filled)


def _save(kind: str, form: RuleSetForm, draft):
    try:
        base = int(form.base_version.data or 0)
        book = rules.with_kind(rules.current_rulebook(db.session), kind, draft)
        saved = rules.save_version(
            db.session,
            base_version=base,
            rulebook=book,
            reason=form.reason.data,
            actor=signed_in_member(),
            now=utcnow(),
        )
    except ConflictError as error:
        # Keep the input; base it on the new version and show what saving would now change.
        form.form_errors.append(error_message(error))
        form.base_version.data = str(rules.current_version(db.session).number)
        preview = rulebook_feasibility.preview_kind(db.session, kind=kind, ruleset=draft)
        return _render_edit(kind, form, error.status, preview)
    except DeliberateError as error:
        attach_error(form, error)
        return _render_edit(kind, form, error.status)
    flash(_("Saved as version %(n)d of the rulebook.", n=saved.number), "success")
    return redirect(url_for("rulebook.version", number=saved.number))


@bp.route("/new-kind", methods=["GET", "POST"])
@requires(can_edit_rulebook)
def new_kind():
    version = rules.current_version(db.session)
    book = rules.rulebook_of(version)
    form = NewKindForm(base_version=version.number)
    form.set_choices({slug: rs.name for slug, rs in book.rulesets.items()})
    if form.validate_on_submit():
        source, _sep, key = form.start_from.data.partition(":")
        template = preset_ruleset(key) if source == "preset" else book.rulesets.get(key)
        try:
            rules.add_kind(
                db.session,
                base_version=int(form.base_version.data or 0),
                kind=form.slug.data,
                name=form.name.data,
                template=template,
                reason=form.reason.data,
                actor=signed_in_member(),
                now=utcnow(),
            )
        except DeliberateError as error:
            attach_error(form, error)
        else:
            flash(_("The new kind is added. Adjust its rules below."), "success")
            return redirect(url_for("rulebook.edit", kind=form.slug.data.strip()))
    status = 422 if request.method == "POST" else 200
    return render_template("rulebook/new_kind.html", form=form), status
