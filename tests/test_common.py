"""scikit-learn (and imbalanced-learn) compliance of every estimator skfix exports.

The estimators are found by a crawl over skfix's public subpackages, so a new estimator
joins the suite by being exported. Small test-time parameters and the known failures,
each with its reason, are in ``tests/_instances.py``.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from tests._instances import all_estimators, expected_failed_checks, make_instance

ESTIMATORS = [make_instance(cls) for _, cls in all_estimators()]


def test_crawl_finds_the_estimators():
    names = {name for name, _ in all_estimators()}
    assert {"RegularizedRandomForestClassifier", "RegularizedXGBClassifier"} <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
