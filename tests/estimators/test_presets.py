"""The presets registry stays in step with the estimators' own defaults."""

import pytest

from skfix.estimators import ESTIMATORS, PRESETS, make_estimator


@pytest.mark.parametrize("model", sorted(ESTIMATORS))
def test_skfix_preset_is_the_default(model):
    default = ESTIMATORS[model]()
    for name, value in PRESETS["skfix"][model].items():
        assert getattr(default, name) == value, (model, name)


@pytest.mark.parametrize("model", sorted(ESTIMATORS))
def test_legacy_preset_differs_only_in_the_spec_table(model):
    legacy = make_estimator(model, preset="legacy")
    default = ESTIMATORS[model]()
    changed = {
        name
        for name, value in legacy.get_params().items()
        if value != default.get_params()[name]
    }
    assert changed == set(PRESETS["legacy"][model])
