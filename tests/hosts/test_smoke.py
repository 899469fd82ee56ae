from tests.factories import HomeFactory


def test_factory_home_is_registered(db):
    home = HomeFactory()
    assert home.transitions.count() == 1
