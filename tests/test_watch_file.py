"""The watch file and `crescent watch add`: bad input refused in one line (exit 2), a file broken
by hand reported by watch name and line, secrets from the environment, the journal's reading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import journal
from cli import main
from monitor import notify
from monitor.watches import load_watches


def run(data: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--data", str(data)])


def one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(("args", "words"), [
    (("bad", '"unbalanced'), ("unbalanced quotes",)),
    (("bad", "Kızılay AND (IFRC"), ("unbalanced parentheses",)),
    (("bad", "author:someone"), ("unknown field(s) author",)),
    (("bad", "Kızılay", "--source", "nowhere"), ("unknown source(s) nowhere",)),
    (("bad", "Kızılay", "--lang", "xx"), ("unknown language(s) xx",)),
    (("bad", "Kızılay", "--notify", "nonsense"), ("cannot parse notification URL",)),
    (("bad", "Kızılay", "--notify", "mailto://a:${not closed@x.org"), ("${NAME}",)),
    (("../etc", "Kızılay"), ("bad watch name",)),
    ((".hidden", "Kızılay"), ("bad watch name",)),
    (("news.ATOM", "Kızılay"), ("may not end in .atom",)),
])
def test_bad_input_at_add_is_refused_in_one_line(tmp_path, args, words):
    one_line_error(run(tmp_path, "watch", "add", *args), *words)
    assert not (tmp_path / "watches.toml").exists()


def test_a_duplicate_name_is_refused_and_the_file_is_private(tmp_path):
    assert run(tmp_path, "watch", "add", "Kızılay", "Kızılay", "--lang", "tr,ru").exit_code == 0
    one_line_error(run(tmp_path, "watch", "add", "kızılay", "x"), "exists already")
    usage = run(tmp_path, "watch", "add", "other", "x", "--lang", "turkish")  # click's own
    assert usage.exit_code == 2 and "not ISO 639-1 codes: turkish" in usage.output
    path = tmp_path / "watches.toml"
    assert path.stat().st_mode & 0o777 == 0o600
    [watch] = load_watches(tmp_path)
    assert (watch.name, watch.query, watch.languages) == ("Kızılay", "Kızılay", ["tr", "ru"])
    one_line_error(run(tmp_path, "watch", "rm", "nobody"), "no watch named 'nobody'")
    assert run(tmp_path, "watch", "rm", "Kızılay").exit_code == 0
    assert load_watches(tmp_path) == []


def test_edit_changes_what_is_given_and_checks_it_as_add_does(tmp_path):
    secret = "mailto://bob:hunter2@example.org"
    assert run(tmp_path, "watch", "add", "Aslanov", "Aslanov", "--lang", "tr,ru",
               "--notify", secret).exit_code == 0
    one_line_error(run(tmp_path, "watch", "edit", "Aslanov", "--query", "(Aslanov"),
                   "unbalanced parentheses")
    one_line_error(run(tmp_path, "watch", "edit", "Aslanov", "--lang", "xx"),
                   "unknown language(s) xx")
    one_line_error(run(tmp_path, "watch", "edit", "nobody", "--query", "x"),
                   "no watch named 'nobody'")
    [watch] = load_watches(tmp_path)
    assert (watch.query, watch.languages) == ("Aslanov", ["tr", "ru"])
    edited = run(tmp_path, "watch", "edit", "Aslanov", "--rename", "Novruz", "--query",
                 "Aslanov OR Асланов", "--exact")
    assert edited.exit_code == 0, edited.output
    [watch] = load_watches(tmp_path)
    assert (watch.name, watch.query, watch.languages, watch.exact, watch.notify) == (
        "Novruz", "Aslanov OR Асланов", ["tr", "ru"], True, [secret])
    assert run(tmp_path, "watch", "edit", "Novruz", "--any-lang", "--no-notify").exit_code == 0
    [watch] = load_watches(tmp_path)
    assert (watch.languages, watch.notify, watch.exact) == ([], [], True)


def test_a_file_broken_by_hand_is_reported_by_name_and_line(tmp_path):
    path = tmp_path / "watches.toml"
    path.write_text('[[watch]]\nname = "ok"\nquery = "IFRC"\n\n[[watch]]\nname = "broken"\n'
                    'languages = ["tr"]\nquery = "Kızılay AND (IFRC"\n', encoding="utf-8")
    for command in (("watch", "list"), ("watch", "run"), ("watch", "show", "ok")):
        one_line_error(run(tmp_path, *command), "watches.toml line 8", "'broken'",
                       "unbalanced parentheses")
    path.write_text('[[watch]]\nname = "ok"\nquery = "IFRC\n', encoding="utf-8")
    one_line_error(run(tmp_path, "watch", "list"), "watches.toml", "line 3")
    path.write_text('[[watch]]\nname = "ok"\nquery = "IFRC"\nnotfy = ["json://x"]\n')
    one_line_error(run(tmp_path, "watch", "list"), "line 4", "unknown key(s) notfy")
    path.write_text('[[watch]]\nname = "ok"\nquery = "IFRC"\n\n[[watch]]\nname = "ok"\n'
                    'query = "x"\n')
    one_line_error(run(tmp_path, "watch", "list"), "line 6", "exists already")


def test_secrets_come_from_the_environment_percent_encoded():
    url = "mailtos://bob:${SMTP_PASS}@mail.example.org?to=comms@example.org"
    assert notify.check_url(url) is None  # checked without the variable being set
    assert notify.expand(url, {"SMTP_PASS": "p@ss/wörd"}) == (
        "mailtos://bob:p%40ss%2Fw%C3%B6rd@mail.example.org?to=comms@example.org")
    assert notify.expand("${HOOK}", {"HOOK": "json://h.example.org/x"}) == (
        "json://h.example.org/x")
    with pytest.raises(notify.NotifyError, match="SMTP_PASS is not set"):
        notify.expand(url, {})
    unset = notify.send(url, "subject", "<p>body</p>", environ={})
    assert not unset.ok and "SMTP_PASS is not set" in unset.error
    assert notify.mask(url) == url  # a reference is not a secret
    assert notify.mask("mailto://bob:hunter2@example.org") == "mailto://bob:****@example.org/"


def test_the_journal_is_read_from_a_place_and_skips_a_half_written_line(tmp_path):
    path = tmp_path / journal.JOURNAL_NAME
    journal.append(path, journal.Entry("new", "a" * 16, "2025-01-01T00:00:00Z", "anadolu"))
    place = journal.end_offset(path)
    journal.append(path, journal.Entry("new", "b" * 16, "2025-01-01T00:00:01Z", "icrc"))
    journal.append(path, journal.Entry("duplicate", "b" * 16, "2025-01-01T00:00:02Z",
                                       duplicate_of="a" * 16))
    with path.open("ab") as handle:
        handle.write(b'{"kind":"new","id":"cccc')  # a writer killed mid-line
    read = list(journal.read_from(path, place))
    assert [(e.kind, e.id) for e, _ in read] == [("new", "b" * 16), ("duplicate", "b" * 16)]
    assert read[-1][1] < path.stat().st_size  # the half line is not passed
    assert [e.id for e, _ in journal.read_from(path, 0, limit=1)] == ["a" * 16]


def test_watch_list_json_on_an_empty_data_dir(tmp_path):
    result = run(tmp_path, "watch", "list", "--json")
    assert result.exit_code == 0 and json.loads(result.output) == []
