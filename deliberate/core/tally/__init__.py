"""Pure vote counting: plurality, approval, yes/no, IRV, STV and Schulze.

Standard library only and exact arithmetic (``fractions.Fraction``). Every
method takes a ``ballots.Profile`` and returns a frozen result dataclass;
``recount.recount()`` turns any of them into a JSON-able dict. How ties are
settled is written down once, in ``ties``.
"""

from deliberate.core.tally.ballots import Ballot, Profile, make_profile, parse_ranking
from deliberate.core.tally.recount import load_profile, recount

__all__ = ["Ballot", "Profile", "load_profile", "make_profile", "parse_ranking", "recount"]
