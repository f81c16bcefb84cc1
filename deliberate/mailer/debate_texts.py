"""The wording of debate emails, as (subject, body) pairs.

Bodies are plain text (never HTML), so a name or title holding markup stays inert text;
names and titles are cleaned of control characters first, so no line can be forged.
They never quote a contribution's text, which a moderator may later hide.
"""


def reply(org: str, replier: str, title: str, link: str) -> tuple[str, str]:
    return (
        f"{replier} replied to you in a debate at {org}",
        f"{replier} replied to your contribution in the debate on “{title}”.\n\n"
        f"Read it here:\n\n{link}\n",
    )


def mention(org: str, author: str, title: str, link: str) -> tuple[str, str]:
    return (
        f"{author} mentioned you in a debate at {org}",
        f"{author} mentioned you in the debate on “{title}”.\n\nRead it here:\n\n{link}\n",
    )


def hidden(org: str, title: str, rule: str, reason: str, link: str) -> tuple[str, str]:
    return (
        f"A moderator hid one of your contributions at {org}",
        f"A moderator hid your contribution in the debate on “{title}”.\n\n"
        f"House rule: {rule}\nReason given: {reason}\n\n"
        "Your text is kept, and moderators and auditors can still read it. The hiding is "
        "listed in the public moderation log. You may appeal once; a different moderator "
        f"will decide. To appeal, open:\n\n{link}\n",
    )


def appeal_decided(org: str, title: str, upheld: bool, reason: str, link: str) -> tuple[str, str]:
    outcome = (
        "Your appeal was upheld: your contribution is shown again."
        if upheld
        else "Your appeal was rejected: your contribution stays hidden."
    )
    return (
        f"Your appeal at {org} has been decided",
        f"{outcome}\n\nDebate: “{title}”\nReason given: {reason}\n\n{link}\n",
    )


def amendment_decided(
    org: str, title: str, accepted: bool, reason: str, link: str
) -> tuple[str, str]:
    outcome = "accepted" if accepted else "declined"
    return (
        f"Your amendment was {outcome} at {org}",
        f"The proposers {outcome} your amendment to “{title}”.\n\n"
        f"Their reason: {reason}\n\n{link}\n",
    )
