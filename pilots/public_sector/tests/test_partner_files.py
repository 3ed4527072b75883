"""Files shaped like partners' data: a file of translations without an id (a language column), English
complaints full of organisations and products, the choice of the router's model on validation data only,
and the privacy of the saved vocabulary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pilots.public_sector import model as M
from pilots.public_sector.data import duplicate_share, near_duplicate_pairs
from pilots.public_sector.model.candidates import LinearTextModel, choose, model_words
from pilots.public_sector.privacy import redact, removed_words, scrub, vocabulary_leaks
from pilots.public_sector.privacy.evaluation import DEV, HELDOUT, evaluate

from .helpers import prepared

TOPICS = {
    "health": (
        {"fr": "L'hôpital {org} de {city} a ouvert {n} nouveaux lits pour les patients en {year}.",
         "de": "Das Krankenhaus {org} in {city} hat {year} {n} neue Betten für Patienten eröffnet.",
         "lb": "D'Spidol {org} zu {city} huet {year} {n} nei Better fir Patienten opgemaach.",
         "en": "The {org} hospital in {city} opened {n} new beds for patients in {year}."},
    ),
    "travel": (
        {"fr": "Le train de {city} vers {org} transporte {n} voyageurs par jour depuis {year}.",
         "de": "Der Zug von {city} nach {org} befördert seit {year} täglich {n} Reisende.",
         "lb": "Den Zuch vu {city} op {org} transportéiert zënter {year} all Dag {n} Reesend.",
         "en": "The train from {city} to {org} has carried {n} travellers a day since {year}."},
    ),
    "politics": (
        {"fr": "Le parlement de {city} a voté la loi {org} avec {n} voix en {year}.",
         "de": "Das Parlament von {city} hat {year} das Gesetz {org} mit {n} Stimmen beschlossen.",
         "lb": "D'Parlament vu {city} huet {year} d'Gesetz {org} mat {n} Stëmme gestëmmt.",
         "en": "The parliament of {city} passed the {org} law with {n} votes in {year}."},
    ),
}  # fmt: skip
CITIES = ["Ostrava", "Tampere", "Girona", "Utrecht", "Lublin", "Brno", "Bergen", "Graz", "Porto", "Cork"]
ORGS = ["Nordlicht", "Aurora", "Meridian", "Solstice", "Horizon", "Cascade", "Kestrel", "Tidewater"]


def translations_file(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """``n`` facts, each written in the four languages (a language column, no id): a partner merging
    translations into one file."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        topic = list(TOPICS)[k % len(TOPICS)]
        values = {"city": CITIES[rng.integers(len(CITIES))], "org": ORGS[rng.integers(len(ORGS))],
                  "n": int(rng.integers(12, 9000)), "year": int(rng.integers(1990, 2025))}  # fmt: skip
        for lang, template in TOPICS[topic][0].items():
            rows.append({"text": template.format(**values), "label": topic, "language": lang, "fact": k})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def translations(tmp_path_factory):
    frame = translations_file()
    path = tmp_path_factory.mktemp("translations") / "merged.csv"
    frame.drop(columns="fact").to_csv(path, index=False)
    return frame, path


def test_translations_without_an_id_are_found_across_the_split_and_kept_together_on_request(translations):
    frame, path = translations
    pairs = near_duplicate_pairs(frame["text"])
    same = frame["fact"].to_numpy()[pairs["i"]] == frame["fact"].to_numpy()[pairs["j"]]
    assert len(pairs) >= 1.2 * len(frame) and same.mean() > 0.9  # 6 pairs among the 4 translations of a fact
    warned = prepared({"data_path": str(path), "near_duplicates": "warn"})
    assert warned.near_duplicates["share"] > 0.5 and warned.near_duplicates["warn"]
    assert any("near-duplicate" in note for note in warned.notes)
    grouped = prepared({"data_path": str(path), "near_duplicates": "group"})
    assert grouped.near_duplicates["grouped"] and grouped.near_duplicates["share"] < 0.1
    assert "kept together" in grouped.split
    # the cross-validation and validation groups tie translations too
    assert grouped.groups is not None and len(np.unique(grouped.groups)) < len(grouped.train)


def test_german_nouns_do_not_make_two_german_texts_translations_of_each_other():
    texts = pd.Series(["Das Krankenhaus in Trier meldet neue Patienten am Montag.",
                       "Im Krankenhaus warten Patienten seit Tagen auf freie Betten.",
                       "L'hôpital de Trier annonce de nouveaux patients lundi, dit Krankenhaus Trier."])  # fmt: skip
    alone = set(map(tuple, near_duplicate_pairs(texts)[["i", "j"]].to_numpy().tolist()))
    assert (0, 1) in alone  # the texts alone: the two German ones share two capitalised nouns
    pairs = set(map(tuple, near_duplicate_pairs(texts, ["de", "de", "fr"])[["i", "j"]].to_numpy().tolist()))
    assert (0, 1) not in pairs and (0, 2) in pairs


def test_a_group_column_keeps_related_texts_on_one_side(translations, tmp_path):
    frame, _ = translations
    path = tmp_path / "grouped.csv"
    frame.rename(columns={"fact": "case"}).to_csv(path, index=False)
    data = prepared({"data_path": str(path), "columns": {"group": "case"}})
    assert "group" in data.split
    assert not set(data.train["group"].astype(str)) & set(data.test["group"].astype(str))


def test_duplicate_share_counts_test_rows_with_a_twin_in_training():
    part = np.array(["train", "train", "test", "test", "validation"])
    pairs = pd.DataFrame({"i": [0, 1, 3], "j": [2, 4, 4], "how": ["x"] * 3})
    assert duplicate_share(part, pairs) == 0.5  # row 2 has a twin in training, row 3 only in validation


# ----- organisation-heavy English complaints -----------------------------------------------------------------
PRODUCTS = {
    "credit reporting": ("Equifax", "Experian", "TransUnion"),
    "mortgage": ("Wells Fargo", "Ocwen", "Nationstar"),
    "credit card": ("Capital One", "Synchrony Bank", "American Express"),
    "student loan": ("Navient", "Sallie Mae", "Nelnet Servicing"),
    "money transfer": ("Western Union", "PayPal", "MoneyGram"),
}
COMPLAINT = [
    "I disputed the account with {org} three times and {org} still reports it. {person} at {org} hung up on me.",
    "{org} charged me twice this month and the Chapter 7 Bankruptcy discharge is ignored by {org}.",
    "My name is {person}. I called {org} about my {product} and nobody at the Consumer Financial Protection "
    "Bureau answered.",
    "Since March {org} refuses to correct my {product}; their agent {person} promised a call back.",
]
PEOPLE = ["John Miller", "Karen Brooks", "Luis Ortega", "Mary Jenkins", "Ahmed Khan", "Sophie Turner"]


def complaints_file(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = rng.choice(list(PRODUCTS), n)
    orgs = [PRODUCTS[label][rng.integers(3)] for label in labels]
    texts = [
        COMPLAINT[rng.integers(len(COMPLAINT))].format(
            org=o, person=PEOPLE[rng.integers(len(PEOPLE))], product=p
        )
        for o, p in zip(orgs, labels, strict=True)
    ]
    return pd.DataFrame({"complaint": texts, "product": labels})


def test_organisations_and_products_stay_while_the_people_go():
    frame = complaints_file(200)
    redacted, counts = redact(frame["complaint"])
    for orgs in PRODUCTS.values():
        for org in orgs:
            written = frame["complaint"].str.contains(org, regex=False)
            kept = redacted[written.to_numpy()].str.contains(org, regex=False)
            assert kept.all(), (org, redacted[written.to_numpy()][~kept.to_numpy()].head(2).tolist())
    assert (
        redacted.str.contains("Chapter 7 Bankruptcy", regex=False).sum()
        == frame["complaint"].str.contains("Chapter 7 Bankruptcy", regex=False).sum()
    )
    for person in PEOPLE:
        assert not redacted.str.contains(person.split()[1], regex=False).any(), person
    assert counts["name"].sum() <= frame["complaint"].str.count("|".join(PEOPLE)).sum()


def test_the_router_routes_with_the_best_candidate_on_validation_and_never_a_worse_one(tmp_path):
    """A candidate that is plainly worse on the validation requests (trained on shuffled labels) is never
    the router's model, even listed first; the saved router routes as the plain model does."""
    path = tmp_path / "complaints.csv"
    complaints_file(400).to_csv(path, index=False)
    data = prepared(
        {"data_path": str(path), "columns": {"text": "complaint", "label": "product"}}, redacted=True
    )

    class Shuffled(LinearTextModel):
        def fit(self, texts, y, groups=None):
            return super().fit(texts, np.random.default_rng(0).permutation(np.asarray(y)))

    factories = {"shuffled": lambda: Shuffled("lr"), "plain": lambda: LinearTextModel("lr")}
    fitted = M.fit(data, target_precision=0.9, seed=0, factories=factories)
    table = fitted.choice.set_index("candidate")
    assert table.loc["shuffled", "validation_macro_f1"] < table.loc["plain", "validation_macro_f1"]
    assert fitted.chosen == "plain" and isinstance(fitted.router.model_, LinearTextModel)
    saved = fitted.router.save(tmp_path / "router.joblib")
    again = type(fitted.router).load(saved).route(data.test)
    assert (again["label"].to_numpy() == fitted.predictions["plain"]).all()


def test_choose_takes_the_best_validation_score_and_the_plain_model_on_ties():
    texts = pd.Series(["tax return form", "car road traffic", "tax office", "road works"] * 10)
    labels = pd.Series(["tax", "road", "tax", "road"] * 10)
    same = {"plain": lambda: LinearTextModel("lr"), "svm": lambda: LinearTextModel("svm")}
    choice = choose(same, texts, labels, texts, labels, where="the texts", score=M.macro_f1)
    assert choice.table["validation_macro_f1"].nunique() == 1 and choice.chosen == "plain"  # a tie: plain


def test_a_candidate_ahead_only_by_chance_on_validation_does_not_replace_the_plain_model():
    """The plain model is the fall-back: a candidate that is right on one more validation text is not
    clearly better (its paired interval includes zero), so the plain model routes; one that is right on
    every text the plain model gets wrong replaces it."""
    rng = np.random.default_rng(1)
    words = np.array(["tax", "road", "form", "office", "car", "bus", "permit", "school"])
    texts = pd.Series([" ".join(rng.choice(words, 3)) + f" n{i}" for i in range(240)])  # each text once
    labels = pd.Series(rng.choice(["a", "b", "c"], 240))  # unrelated to the words: the plain model errs
    val_texts, val_labels = texts[160:].reset_index(drop=True), labels[160:].reset_index(drop=True)
    truth = dict(zip(val_texts, val_labels, strict=False))
    plain = LinearTextModel("lr").fit(texts[:160], labels[:160]).predict(val_texts)
    wrong = [t for t, p, y in zip(val_texts, plain, val_labels, strict=True) if p != y]

    class Knows(LinearTextModel):  # the plain model's answers, corrected on the texts in ``known``
        known: list = []

        def predict(self, texts):
            pred = np.asarray(super().predict(texts), dtype=object)
            fix = np.isin(np.asarray(texts, dtype=object), self.known)
            pred[fix] = [truth[t] for t in np.asarray(texts, dtype=object)[fix]]
            return pred

    def knowing(known):
        return lambda: type("K", (Knows,), {"known": known})("lr")

    args = (texts[:160], labels[:160], val_texts, val_labels)
    by_chance = choose({"plain": lambda: LinearTextModel("lr"), "other": knowing(wrong[:1])}, *args,
                       where="the texts", score=M.macro_f1)  # fmt: skip
    table = by_chance.table.set_index("candidate")["validation_macro_f1"]
    assert table["other"] > table["plain"] and by_chance.chosen == "plain"
    assert "not clearly" in by_chance.table.attrs["notes"][0]
    clearly = choose({"plain": lambda: LinearTextModel("lr"), "other": knowing(wrong)}, *args,
                     where="the texts", score=M.macro_f1)  # fmt: skip
    assert clearly.chosen == "other" and clearly.table.attrs["notes"] == []


def test_the_saved_vocabulary_holds_no_word_the_redactor_removed():
    data = prepared({"n_requests": 600, "seed": 5}, redacted=True)
    removed = removed_words(data.train["text"], data.train["redacted_text"])
    assert {"[name]"} - removed and len(removed) > 20  # names, street words, digits of phone numbers ...
    unscrubbed = LinearTextModel("lr").fit(data.train["redacted_text"], data.train["label"])
    assert vocabulary_leaks(
        model_words(unscrubbed), removed
    )  # the same words appear elsewhere: they would leak
    fitted = M.fit(data, target_precision=0.9, seed=0, removed=removed)
    for name, model in fitted.models.items():
        assert vocabulary_leaks(model_words(model), removed) == [], name
    assert scrub(pd.Series(["Paul Meyer paid"]), {"paul", "meyer"}).iloc[0].split() == ["paid"]


def test_the_redactor_reaches_its_goals_on_both_hand_written_corpora():
    for path in (DEV, HELDOUT):
        table, _, _ = evaluate(lambda texts: redact(texts)[0], path, n_boot=50)
        values = table.set_index("measure")["value"]
        assert values["identifier_recall"] >= 0.99, (path.name, values)
        assert values["name_recall"] >= 0.95, (path.name, values)
        assert values["kept_ordinary"] >= 0.95, (path.name, values)


def test_fasttext_trains_again_at_half_the_rate_when_it_diverges(monkeypatch):
    fasttext = pytest.importorskip("fasttext")
    from pilots.public_sector.model.candidates import FastTextModel

    real, rates = fasttext.train_supervised, []

    def diverging(*args, **kwargs):
        rates.append(kwargs["lr"])
        if kwargs["lr"] > 0.2:
            raise RuntimeError("Encountered NaN.")
        return real  # any object: the model is not used here

    monkeypatch.setattr(fasttext, "train_supervised", diverging)
    texts = pd.Series(["tax return form", "car road traffic", "tax office", "road works"] * 10)
    model = FastTextModel(lr=0.5).fit(texts, ["tax", "road", "tax", "road"] * 10)
    assert rates == [0.5, 0.25, 0.125] and model.lr_ == 0.125 and model.model_ is real


def test_an_unnamed_text_column_is_never_proposed_as_the_group():
    """A partner's Luxembourgish headers (SIB-200 as "Thema", "Ufro", "Sprooch", "Dossier-Nr"): the
    sentences shared three letters with "group" and, scored as long text, were proposed as the group."""
    import pandas as pd

    from pilots.public_sector.contract import REQUESTS

    frame = pd.DataFrame(
        {
            "Thema": ["health", "travel"] * 20,
            "Ufro": [f"Eng laang Fro iwwer d'Gesondheet an d'Rees, Dossier {i}." for i in range(40)],
            "Sprooch": ["lb"] * 40,
            "Dossier-Nr": range(40),
        }
    )
    proposed = REQUESTS.propose(frame)
    assert "Ufro" not in {proposed.get("group"), proposed.get("id")}, proposed
    assert proposed.get("label") == "Thema"
