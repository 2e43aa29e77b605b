"""The activity catalogue: the 14 volunteer activity types of survey question 2.

Each activity has a setting (where it is offered), whether it is statutory (a
municipal duty under the Health and Care Services Act), and a domain that voluntary
organisations can specialise in. The six activities of the paper's Table 2 keep the
ids ``social``, ``cultural_nursing_home``, ``physical``, ``cultural_home_care``,
``food_delivery`` and ``day_centre``.

Statutory status follows the paper (Andfossen 2020, "Statistical analyses"): day
centres and food delivery are statutory; social activities are treated as
non-statutory because decisions about them are not reported to the IPLOS register ("Despite
being a statutory public care service, the category 'social activities' is included here
as a non-statutory service"). The paper does not classify the other eight;
we treat them as non-statutory (none of them is an individually decided service).

*Professional* activities are those health professionals in long-term care also deliver
as care: physical activity and exercise (rehabilitation, physiotherapists) and day
centres (day care, nurses). Food delivery is transport of meals, not nutrition work;
helplines and self-help groups are peer support. The Regulation on quality in care
services counts rehabilitation among the basic needs the municipality must meet
(Ministry of Health and Care Services 2003, as summarised in Andfossen 2020).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.errors import UnknownNameError

DOMAINS = (
    "social", "culture", "physical", "visiting", "practical", "meals", "day_care", "support",
)


@dataclass(frozen=True)
class Activity:
    """One volunteer activity type of survey question 2."""

    id: str
    label: str
    setting: str
    statutory: bool
    domain: str
    # Also professional care work: health professionals deliver the same thing as part
    # of care (exercise as rehabilitation by physiotherapists, day care by nurses).
    professional: bool = False


CATALOGUE: tuple[Activity, ...] = (
    Activity("social", "Social activities (trips, social gatherings)", "both", False, "social"),
    Activity("cultural_nursing_home", "Cultural activities, nursing homes", "nursing_home", False,
             "culture"),
    Activity("cultural_home_care", "Cultural activities, home care", "home_care", False,
             "culture"),
    Activity("library", "Library / reading services", "both", False, "culture"),
    Activity("physical", "Physical activities and exercise", "both", False, "physical",
             professional=True),
    Activity("visiting", "Visiting schemes", "both", False, "visiting"),
    Activity("food_delivery", "Food delivery, home care", "home_care", True, "meals"),
    Activity("practical_help", "Practical help, home care (snow clearing, shopping)",
             "home_care", False, "practical"),
    Activity("day_centre", "Day centres operated by or with volunteers", "both", True,
             "day_care", professional=True),
    Activity("helpline", "Helplines, counselling services", "both", False, "support"),
    Activity("transport", "Transport / taking out", "both", False, "practical"),
    Activity("joy_of_life", "Activities certified by 'Joy of Life for the Elderly'",
             "nursing_home", False, "culture"),
    Activity("self_help", "Self-help groups (anxiety, grief, loneliness)", "both", False,
             "support"),
    Activity("other", "Other activities", "both", False, "social"),
)

ACTIVITY_IDS: tuple[str, ...] = tuple(a.id for a in CATALOGUE)
TABLE2_IDS: tuple[str, ...] = (
    "social", "cultural_nursing_home", "physical", "cultural_home_care", "food_delivery",
    "day_centre",
)
COORDINATORS: tuple[str, ...] = ("municipality", "voluntary", "together")
UNIT_TYPES: tuple[str, ...] = ("nursing_home", "home_care", "integrated", "other")

_INDEX = {a.id: i for i, a in enumerate(CATALOGUE)}


def activity_index(activity_id: str) -> int:
    """The position of ``activity_id`` in :data:`CATALOGUE` (the one index of ids)."""
    try:
        return _INDEX[activity_id]
    except KeyError:
        raise UnknownNameError("activity", activity_id, ACTIVITY_IDS) from None


def activity(activity_id: str) -> Activity:
    """The catalogue entry for ``activity_id``; an unknown id lists the valid ones."""
    return CATALOGUE[activity_index(activity_id)]
