"""crawler.aliases: the remembered URL aliases survive a kill mid-append."""

from crawler.aliases import AliasFile

ALIAS, CANONICAL, OTHER = "0123456789abcdef", "fedcba9876543210", "00112233445566aa"


def test_aliases_are_remembered_across_loads(tmp_path):
    aliases = AliasFile(tmp_path / "state" / "url-aliases.tsv")
    assert aliases.load() == {}
    aliases.add(ALIAS, CANONICAL)
    aliases.add(OTHER, CANONICAL)
    assert AliasFile(aliases.path).load() == {ALIAS: CANONICAL, OTHER: CANONICAL}


def test_a_line_torn_by_a_kill_costs_only_itself(tmp_path):
    aliases = AliasFile(tmp_path / "url-aliases.tsv")
    aliases.add(ALIAS, CANONICAL)
    with open(aliases.path, "a", encoding="utf-8") as handle:
        handle.write("aabbccddeeff0011\tfedcba98")  # killed mid-line
    assert aliases.load() == {ALIAS: CANONICAL}
    aliases.add(OTHER, CANONICAL)  # not glued onto the torn line
    assert aliases.load() == {ALIAS: CANONICAL, OTHER: CANONICAL}
