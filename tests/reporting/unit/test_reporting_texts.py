"""What users are told: caveats, and the texts of the public lists.
"""



from services.reporting.domain.texts import ranking_caveats


def test_reporting_caveats_say_what_the_ranking_does_not_account_for():
    caveats = {c.code: c for c in ranking_caveats(not_ranked=3)}
    assert "supplement" in caveats["supplement_time_excluded_as_reported"].en
    assert "(3 đơn vị)" in caveats["units_without_dossiers_not_ranked"].vi
