"""A population is a value: one place names it, one place reads a name back."""

import numpy as np
import pytest

from sim.errors import InputError
from sim.municipality import parse_municipality
from sim.parameters import defaults
from sim.population import build_population
from sim.population_spec import PopulationSpec, describe_name
from sim.sample_frame import SampleFrame

OURS = """name = "ours"
inhabitants = 12000
nursing_homes = 2
home_care_districts = 2
volunteer_centre = true
local_policy = false
own_volunteer_service = false
"""

FRAME = SampleFrame(source="units.csv", unit_muni=(0, 0, 1, 1, 1, 2),
                    unit_type=(0, 1, 0, 1, 1, 0), flags=(("policy", (1, 0, 0)),))


@pytest.mark.parametrize("spec", [
    PopulationSpec(), PopulationSpec(base="norway"), PopulationSpec(frame=FRAME),
    PopulationSpec(frame=SampleFrame(source="table.csv", scale=2.0)),
    PopulationSpec.of(parse_municipality(OURS, "ours.toml")),
    PopulationSpec.of(parse_municipality(OURS + 'population = "norway"\n', "ours.toml")),
])
def test_a_name_reads_back_as_the_same_population(spec):
    again = PopulationSpec.parse(spec.name)
    assert again == spec and hash(again) == hash(spec) and again.name == spec.name
    assert {spec: 1}[again] == 1  # usable as a key (runs are grouped by it)


def test_the_same_population_whether_given_as_a_value_or_by_its_name():
    spec = PopulationSpec.of(parse_municipality(OURS, "ours.toml"))
    levers = defaults()
    by_value = build_population(spec, levers, 7)
    by_name = build_population(spec.name, levers, 7)
    assert np.array_equal(by_value.unit_muni, by_name.unit_muni)
    assert np.array_equal(by_value.muni_population, by_name.muni_population)
    assert 12000 in by_value.muni_population  # the planner's municipality is in it


@pytest.mark.parametrize("name", [
    "oslo", "frame:{broken", "frame:[]", "survey2015+municipality:[1]",
    "mars+municipality:{}", "survey2015+municipality:{", 'frame:' + '[' * 100_000,
    'frame:{"source":"a","scale":1' + '0' * 400 + ',"unit_muni":[1],"unit_type":[1],'
    '"flags":[]}',
    'frame:{"source":"a","scale":1,"unit_muni":[1e400],"unit_type":[1],"flags":[]}',
])
def test_a_malformed_name_is_one_line(name):
    with pytest.raises(InputError) as err:
        PopulationSpec.parse(name)
    assert "\n" not in str(err.value) and "population" in str(err.value)


def test_a_frame_and_a_municipality_together_are_refused():
    own = parse_municipality(OURS, "ours.toml")
    with pytest.raises(InputError, match="one of them"):
        PopulationSpec(frame=FRAME, municipality=own)
    with pytest.raises(InputError, match="surrounding population"):
        PopulationSpec(base="norway", municipality=own)


def test_labels_of_recorded_names_never_fail():
    assert describe_name("survey2015") == "the 50 municipalities of the 2015 sample"
    assert describe_name("frame:{broken") == "a survey's frame (its record is malformed)"
    assert describe_name(PopulationSpec(frame=FRAME).name) == (
        "the 3 municipalities of your survey's frame (units.csv; 6 units)")
    own = PopulationSpec.of(parse_municipality(OURS, "ours.toml"))
    assert describe_name(own.name).endswith("ours in place of the one nearest its size")
