"""Prior fact-checks: a claim matched to the published fact-checks of the same claim (CheckThat! task 2).

claim -> its embedding and words -> dense and BM25 candidates among the index's fact-checks ->
a "same claim" score for each (:mod:`service.verify.prior.matcher`) -> those over the threshold, best first.
"""
