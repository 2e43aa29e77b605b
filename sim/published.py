"""The 2015 survey's frame and the published figures the model is built from: one place.

Every layer reads these facts from here (``sim`` is the lowest layer that needs them):
the population generator sizes the 2015 sample with them, the virtual survey samples
respondents with them, calibration checks the shipped Table 2 against them and the fit
compares simulated patterns with them.

Source of the frame: Andfossen NB (2020) *Primary Health Care Research & Development*
21(e33), Methods and Table 1 (CC-BY 4.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class SurveyFrame:
    """Who the 2015 survey asked and who answered."""

    municipalities: int
    regions: int
    units_identified: int
    units_responded: int
    response_rate_printed: float
    window_weeks: int
    respondent_types: MappingProxyType  # Q1 answers among the respondents
    dropped_share_range: tuple[float, float]  # printed share of unsure/several answers

    @property
    def response_rate(self) -> float:
        """Share of identified units that answered (printed as 77.2%)."""
        return self.units_responded / self.units_identified


SURVEY_2015 = SurveyFrame(
    municipalities=50,
    regions=5,
    units_identified=316,
    units_responded=244,
    response_rate_printed=0.772,
    # Q2: "during the last four weeks".
    window_weeks=4,
    respondent_types=MappingProxyType(
        {"nursing_home": 128, "home_care": 94, "integrated": 11, "other": 11}),
    # "Unsure" and "several services with different coordination responsibilities" were
    # dropped; their share varied from 0 to 35% across the six activities.
    dropped_share_range=(0.0, 0.35),
)

# 4.4% of Norway's population did voluntary work in long-term care in 2014
# (Folkestad et al. 2015).
VOLUNTEER_SHARE_2014 = 0.044
# About 8,500 full-time equivalents of volunteer work in long-term care (2014), at
# 1,695 hours a year, among 5.17 million inhabitants (Statistics Norway, 2014).
VOLUNTEER_FTE_2014 = 8_500
HOURS_PER_FTE_YEAR = 1_695
POPULATION_2014 = 5_170_000
