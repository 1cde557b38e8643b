"""crawler.language's 8-bit copy of py3langid's table decides as the shipped float16 table does."""

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from crawler.language import QuantizedTable, _identifier

TEXTS = [
    "Azərbaycan Qızıl Aypara Cəmiyyətinin könüllüləri ilk yardım təlimləri keçirdilər.",
    "Türk Kızılay gönüllüleri deprem bölgesinde yardım dağıtımına devam ediyor.",
    "Волонтёры Красного Полумесяца провели занятия по первой помощи в школах.",
    "Волонтери Червоного Хреста роздали гуманітарну допомогу мешканцям міста.",
    "The ICRC delegation visited detainees and restored family links in the region.",
    "Türkmenistanyň Gyzyl Ýarymaý jemgyýeti meýletinçiler bilen duşuşyk geçirdi.",
    "Le Comité international de la Croix-Rouge a visité les détenus de la région.",
]


@pytest.fixture(scope="module")
def shipped():
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def test_every_value_is_within_half_a_step_of_the_shipped_table(shipped):
    table = np.asarray(shipped.nb_ptc, dtype=np.float32)
    ours = _identifier().nb_ptc
    assert isinstance(ours, QuantizedTable) and ours.codes.dtype == np.uint8
    assert ours.codes.nbytes * 2 == np.asarray(shipped.nb_ptc).nbytes
    rows = np.arange(0, table.shape[0], 97)
    error = np.abs(ours[rows] - table[rows])
    assert (error <= ours.scale / 2 + 1e-4).all()


def test_labels_and_probabilities_match_the_shipped_model(shipped):
    for text in TEXTS:
        expected_label, expected_probability = shipped.classify(text)
        label, probability = _identifier().classify(text)
        assert label == expected_label, text
        assert abs(probability - expected_probability) < 0.01, text


def test_the_model_cache_gives_the_same_identifier_and_is_rebuilt_when_torn(tmp_path, monkeypatch):
    from crawler import language

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = language.model_cache_file()
    assert path.is_relative_to(tmp_path) and not path.exists()

    path.parent.mkdir(parents=True)
    stale = path.parent / "langid-0.3.0-1-2-q1.npz"
    stale.write_bytes(b"a cache made from an earlier py3langid")
    fresh = language.load_identifier()  # unpacks py3langid's model and writes the cache
    assert path.exists() and not list(path.parent.glob("*.tmp"))
    assert not stale.exists()  # one model's cache at a time (they are ~50 MB)
    cached = language.load_identifier()  # reads the cache
    assert np.array_equal(cached.nb_ptc.codes, fresh.nb_ptc.codes)
    assert cached.nb_classes == fresh.nb_classes
    assert cached.tk_nextmove == fresh.tk_nextmove and cached.tk_output == fresh.tk_output
    for text in TEXTS:
        assert cached.classify(text) == fresh.classify(text) == _identifier().classify(text)

    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])  # a torn write
    rebuilt = language.load_identifier()
    assert [rebuilt.classify(text) for text in TEXTS] == [fresh.classify(text) for text in TEXTS]
    assert language._read_model_cache(path) is not None  # replaced by a whole file


def test_an_unwritable_cache_directory_only_costs_time(tmp_path, monkeypatch):
    from crawler import language

    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    identifier = language.load_identifier()
    assert identifier.classify(TEXTS[2])[0] == "ru"


def test_no_home_directory_means_no_cache_not_a_crash(monkeypatch):
    from crawler import language

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("HOME", raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(language.Path, "home", staticmethod(no_home))
    assert language.load_identifier().classify(TEXTS[1])[0] == "tr"
