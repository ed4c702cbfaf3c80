"""Parameters and factors by their labels: what a student reads instead of snake_case."""

from sim.analysis.words import label, relabel


def test_labels_spell_out_abbreviations_and_drop_underscores():
    assert label("aq_money") == "Al-Qaeda money" and label("is_rivalry") == "IS rivalry"
    assert label("us_political_cost") == "US political cost" and label("al_qaeda") == "Al-Qaeda"


def test_relabel_replaces_whole_parameter_names_only():
    text = "|--- concession_value <= 1.94\n|   |--- aq_money > 0.1 (aq_money_share)"
    assert relabel(text, ["concession_value", "aq_money"]) == (
        "|--- Concession value <= 1.94\n|   |--- Al-Qaeda money > 0.1 (aq_money_share)")
    assert relabel("x", []) == "x"
