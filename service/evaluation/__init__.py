"""Offline evaluation: benchmark loaders (:mod:`.datasets`), fixed cross-validation folds (:mod:`.folds`),
metrics (:mod:`.metrics`) and the side-by-side score report (:mod:`.report`).

Nothing here loads a model or an index; the ``factcheck eval`` command does that and hands verdicts to
:func:`service.evaluation.report.score`.
"""
