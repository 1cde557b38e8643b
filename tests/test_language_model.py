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
