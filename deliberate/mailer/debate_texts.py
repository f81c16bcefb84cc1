"""The wording of debate emails, as (subject, body) pairs.

Bodies are plain text (never HTML), so a name or title holding markup stays inert text;
names and titles are cleaned of control characters first, so no line can be forged.
They never quote a contribution's text, which a moderator may later hide. Like
``texts``, each is translated in the current locale: the recipient's, set by the caller.
"""

from flask_babel import gettext as _


def reply(org: str, replier: str, title: str, link: str) -> tuple[str, str]:
    return (
        _("%(name)s replied to you in a debate at %(org)s", name=replier, org=org),
        _(
            "%(name)s replied to your contribution in the debate on “%(title)s”.\n\n"
            "Read it here:\n\n%(link)s\n",
            name=replier,
            title=title,
            link=link,
        ),
    )


def mention(org: str, author: str, title: str, link: str) -> tuple[str, str]:
    return (
        _("%(name)s mentioned you in a debate at %(org)s", name=author, org=org),
        _(
            "%(name)s mentioned you in the debate on “%(title)s”.\n\nRead it here:\n\n%(link)s\n",
            name=author,
            title=title,
            link=link,
        ),
    )


def hidden(org: str, title: str, rule: str, reason: str, link: str) -> tuple[str, str]:
    return (
        _("A moderator hid one of your contributions at %(org)s", org=org),
        _(
            "A moderator hid your contribution in the debate on “%(title)s”.\n\n"
            "House rule: %(rule)s\nReason given: %(reason)s\n\n"
            "Your text is kept, and moderators and auditors can still read it. The hiding is "
            "listed in the public moderation log. You may appeal once; a different moderator "
            "will decide. To appeal, open:\n\n%(link)s\n",
            title=title,
            rule=rule,
            reason=reason,
            link=link,
        ),
    )


def appeal_decided(org: str, title: str, upheld: bool, reason: str, link: str) -> tuple[str, str]:
    outcome = (
        _("Your appeal was upheld: your contribution is shown again.")
        if upheld
        else _("Your appeal was rejected: your contribution stays hidden.")
    )
    return (
        _("Your appeal at %(org)s has been decided", org=org),
        _(
            "%(outcome)s\n\nDebate: “%(title)s”\nReason given: %(reason)s\n\n%(link)s\n",
            outcome=outcome,
            title=title,
            reason=reason,
            link=link,
        ),
    )


def amendment_decided(
    org: str, title: str, accepted: bool, reason: str, link: str
) -> tuple[str, str]:
    if accepted:
        subject = _("Your amendment was accepted at %(org)s", org=org)
        body = _(
            "The proposers accepted your amendment to “%(title)s”.\n\n"
            "Their reason: %(reason)s\n\n%(link)s\n",
            title=title,
            reason=reason,
            link=link,
        )
    else:
        subject = _("Your amendment was declined at %(org)s", org=org)
        body = _(
            "The proposers declined your amendment to “%(title)s”.\n\n"
            "Their reason: %(reason)s\n\n%(link)s\n",
            title=title,
            reason=reason,
            link=link,
        )
    return subject, body
