"""Parameters and factors by their labels: what a student reads instead of snake_case."""

from sim.analysis.labels import label, relabel


def test_labels_spell_out_abbreviations_and_drop_underscores():
    assert label("aq_money") == "Al-Qaeda money" and label("is_rivalry") == "IS rivalry"
    assert label("us_political_cost") == "US political cost" and label("al_qaeda") == "Al-Qaeda"


def test_relabel_replaces_whole_parameter_names_only():
    text = "|--- concession_value <= 1.94\n|   |--- aq_money > 0.1 (aq_money_share)"
    assert relabel(text, ["concession_value", "aq_money"]) == (
        "|--- Concession value <= 1.94\n|   |--- Al-Qaeda money > 0.1 (aq_money_share)")
    assert relabel("x", []) == "x"


def test_the_compare_page_names_each_differing_setting_as_its_input_does():
    from sim.present.settings import preset_scenario
    from sim.present.words import differences_in_words

    base = preset_scenario("baseline-2018")
    edited = base.updated({"levers.concession": 0.6, "parameters.aq_money.dist.high": 0.07,
                           "parameters.split_cost": 0.5, "run.draws": 5000})
    rows = differences_in_words({"a": base, "b": edited})
    assert [r["setting"] for r in rows] == ["Concession", "Monte Carlo draws",
                                            "Al-Qaeda money: high end of its range", "Split cost"]
    assert rows[0]["b"] == 0.6 and "path" not in rows[0]
