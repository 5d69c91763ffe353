"""Which skfix estimators the compliance suite checks, with what parameters, and why
some checks are expected to fail. One place, as imbalanced-learn keeps it."""

import importlib
import inspect

from sklearn.base import BaseEstimator

# Public subpackages whose exported estimators must pass the compliance suite.
PUBLIC_MODULES = ["skfix.estimators", "skfix.augment", "skfix.selection", "skfix.features"]

# Small parameters so that the suite runs in a few minutes on two cores.
TEST_PARAMS = {
    # A tight tolerance, so that weighted and repeated rows converge to the same model
    # (check_sample_weight_equivalence compares probabilities to 1e-7).
    "RegularizedLogisticRegression": dict(tol=1e-10, max_iter=10000, random_state=0),
    "RegularizedRandomForestClassifier": dict(n_estimators=5),
    "RegularizedXGBClassifier": dict(n_estimators=5),
    # Several checks compare two calls (list vs array, labels vs one-vs-all): seed it.
    "TimeSeriesAugmenter": dict(random_state=0),
    # The checks' toy data have no column names: read the first column by position.
    "PersistenceClassifier": dict(feature=0),
    # Small nets, few epochs; lr=1e-2 so that 10 epochs reach the 0.83 training
    # accuracy check_classifiers_train asks for.
    "RegularizedMLPClassifier": dict(
        hidden_layer_sizes=(16,), max_epochs=10, lr=1e-2, batch_size=32, random_state=0
    ),
    "RegularizedLSTMClassifier": dict(
        hidden_dim=8, lookback=3, max_epochs=10, lr=1e-2, batch_size=32, random_state=0
    ),
}

_LOOKBACK_REASON = (
    "by design each prediction reads the lookback-1 rows before it in X (the LSTM "
    "sees time through the order of the rows, see its Notes), so reordering X or "
    "predicting on a subset changes the windows and so the predictions; "
    "tests/estimators/test_neural.py shows both checks pass with lookback=1."
)

_SAMPLE_WEIGHT_REASON = (
    "sample_weight is not equivalent to removing/repeating samples: each tree is fit "
    "on a bootstrap sample, which scikit-learn marks as a known failure for its own "
    "RandomForestClassifier (meta-issue scikit-learn#16298)."
)

_SUBSAMPLE_REASON = (
    "each boosting round fits on a random 70 % of the rows (subsample=0.7), and "
    "sampling a weighted row is not the same as sampling its repeated copies; with "
    "subsample=1.0 both checks pass (tests/estimators/test_trees.py runs them)."
)

_MINIBATCH_REASON = (
    "a row of weight 2 is not the same as two copies of it for a net trained by "
    "mini-batch gradient descent: the copies change the batches, the shuffling and "
    "the time-ordered early-stopping split; tests/estimators/test_neural.py checks "
    "what does hold (uniform weights train exactly as none, a zero weight silences "
    "a row's loss)."
)

_NET_KWARGS_REASON = (
    "the constructor takes skorch's prefixed parameters as keyword arguments "
    "(**net_kwargs, stored in net_params), as skorch's own nets do; the check passes "
    "the name of that catch-all, 'net_kwargs', to set_params as if it were a "
    "parameter, and set_params refuses it. set_params reaches every skorch parameter "
    "by its prefixed name (tests/estimators/test_neural.py)."
)

_PRICE_FRAME_REASON = (
    "PriceFeatures reads a price frame (a DataFrame with a sorted DatetimeIndex and a "
    "positive 'close' column, as skfix.datasets.read_prices returns) and refuses "
    "anything else with a message that says so; this check passes a bare, sparse, "
    "complex or non-positive array. tests/features/test_transformer.py checks the "
    "same properties (fit returns self, idempotent fit, clone, pickling, "
    "n_features_in_, not-fitted error, pandas output) on price frames."
)
_PRICE_FRAME_CHECKS = (
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_complex_data",
    "check_dtype_object",
    "check_estimators_empty_data_messages",
    "check_pipeline_consistency",
    "check_estimator_sparse_tag",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
)

EXPECTED_FAILED_CHECKS = {
    "PriceFeatures": dict.fromkeys(_PRICE_FRAME_CHECKS, _PRICE_FRAME_REASON),
    "RegularizedRandomForestClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": _SAMPLE_WEIGHT_REASON,
    },
    "RegularizedXGBClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _SUBSAMPLE_REASON,
        "check_sample_weight_equivalence_on_sparse_data": _SUBSAMPLE_REASON,
    },
    "RegularizedMLPClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _MINIBATCH_REASON,
        "check_do_not_raise_errors_in_init_or_set_params": _NET_KWARGS_REASON,
    },
    "RegularizedLSTMClassifier": {
        "check_methods_sample_order_invariance": _LOOKBACK_REASON,
        "check_methods_subset_invariance": _LOOKBACK_REASON,
        "check_sample_weight_equivalence_on_dense_data": _MINIBATCH_REASON,
        "check_do_not_raise_errors_in_init_or_set_params": _NET_KWARGS_REASON,
    },
    "TimeSeriesAugmenter": {
        "check_samplers_pandas_sparse": (
            "sparse input is not supported: gaussian noise would densify every entry"
        ),
    },
}


def all_estimators():
    """(name, class) of every estimator class exported by skfix's public modules."""
    found = {}
    for module_name in PUBLIC_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
            ):
                found[name] = obj
    return sorted(found.items())


def is_sampler(estimator):
    """Whether the estimator is an imbalanced-learn style sampler."""
    return hasattr(estimator, "fit_resample")


def _selector_params():
    from sklearn.linear_model import LogisticRegression

    from skfix.estimators import RegularizedRandomForestClassifier
    from skfix.selection import SelectionCriteria

    return dict(
        # the rules are checked on their own; here the checks exercise the selector
        naive_rules=None,
        candidates={
            "logistic": LogisticRegression(),
            "forest": RegularizedRandomForestClassifier(n_estimators=5, random_state=0),
        },
        cv=2,
        test_size=0.2,
        # Test-size criteria: the checks' toy data give test windows of 4-16 rows, far
        # below the default 30 that tell a model from luck, so with the default rules
        # nothing is accepted and predict refuses. Every rule off accepts any candidate
        # that trains, so the checks exercise the real fit -> best_estimator_ -> predict
        # path; the rules themselves are tested in tests/selection.
        criteria=SelectionCriteria(
            max_gap=None,
            min_test_score=None,
            max_validation_test_diff=None,
            baseline=None,
            max_fold_std=None,
            min_test_rows=0,
            beat_naive_rules=False,
        ),
    )


def _search_params():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    # The checks' toy data are often sorted by class, so a time-ordered split would
    # train folds on one class; shuffled folds test the API, which is what they are for.
    return dict(
        estimator=LogisticRegression(),
        param_grid={"C": [1.0, 0.1]},
        cv=KFold(3, shuffle=True, random_state=0),
    )


def _stacking_params():
    from sklearn.naive_bayes import GaussianNB
    from sklearn.tree import DecisionTreeClassifier

    # Bases that train on one class too: the checks' toy data are often sorted by
    # class, so the earliest walk-forward folds may hold one class only.
    return dict(
        estimators=[
            ("bayes", GaussianNB()),
            ("tree", DecisionTreeClassifier(max_depth=2, random_state=0)),
        ],
        cv=3,
    )


def make_instance(cls):
    """An instance of cls with the small test-time parameters."""
    if cls.__name__ == "WalkForwardStackingClassifier":
        return cls(**_stacking_params())
    if cls.__name__ == "ModelSelector":
        return cls(**_selector_params())
    if cls.__name__ == "GapPenalizedGridSearchCV":
        return cls(**_search_params())
    return cls(**TEST_PARAMS.get(cls.__name__, {}))


def expected_failed_checks(estimator):
    """The known failures of an estimator, check name -> reason."""
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})
