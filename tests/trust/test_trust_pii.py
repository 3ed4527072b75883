"""PII redaction in French, German, Luxembourgish and English; ordinary numbers must survive."""

import pandas as pd
import pytest

from livinglab.trust import PII_KINDS, redact_pii

# (language, sentence, the PII substring, kind)
CASES = [
    # e-mail
    ("fr", "Écrivez-moi à jean.dupont@example.lu pour le dossier.", "jean.dupont@example.lu", "email"),
    ("de", "Bitte an anna_mueller+steuer@post.de senden.", "anna_mueller+steuer@post.de", "email"),
    ("lb", "Schéckt mer eng Mail op jang.schmit@pt.lu, merci.", "jang.schmit@pt.lu", "email"),
    ("en", "Contact me at j.smith@mail.co.uk.", "j.smith@mail.co.uk", "email"),
    # phone: LU, FR, DE, BE formats
    ("lb", "Rufft mech un op +352 621 123 456 w.e.g.", "+352 621 123 456", "phone"),
    ("lb", "Meng Nummer ass 691 234 567.", "691 234 567", "phone"),
    ("fr", "Mon fixe au Luxembourg : 00352 26 12 34 56.", "00352 26 12 34 56", "phone"),
    ("en", "Office line (+352) 44 55 66.", "(+352) 44 55 66", "phone"),
    ("fr", "Appelez le 06 12 34 56 78 après 18h.", "06 12 34 56 78", "phone"),
    ("fr", "Mon portable est le 06.12.34.56.78 ou +33 (0)6 12 34 56 78.", "+33 (0)6 12 34 56 78", "phone"),
    ("fr", "Numéro : 0387123456.", "0387123456", "phone"),
    ("de", "Erreichbar unter 0681 1234567 oder 0171/1234567.", "0681 1234567", "phone"),
    ("de", "Mobil: +49 151 23456789.", "+49 151 23456789", "phone"),
    ("de", "Telefon 030 12345678 im Büro.", "030 12345678", "phone"),
    ("fr", "En Belgique, appelez le 02 123 45 67.", "02 123 45 67", "phone"),
    ("fr", "GSM belge 0470 12 34 56 ou +32 470 12 34 56.", "0470 12 34 56", "phone"),
    ("en", "Tel. 44 55 66 (landline).", "44 55 66", "phone"),
    ("lb", "Tëlefon: 26 12 34 56.", "26 12 34 56", "phone"),
    # IBAN
    ("fr", "Virement sur LU28 0019 4006 4475 0000 svp.", "LU28 0019 4006 4475 0000", "iban"),
    ("lb", "Mäi Kont: LU280019400644750000.", "LU280019400644750000", "iban"),
    ("de", "IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX.", "DE89 3704 0044 0532 0130 00", "iban"),
    ("en", "Pay to FR7630006000011234567890189 by Friday.", "FR7630006000011234567890189", "iban"),
    ("fr", "Compte belge BE68 5390 0754 7034.", "BE68 5390 0754 7034", "iban"),
    # Luxembourg national identification number (matricule)
    ("fr", "Mon matricule est 1985061212345.", "1985061212345", "national_id"),
    ("de", "Sozialversicherungsnummer 1985 0612 123 45 liegt bei.", "1985 0612 123 45", "national_id"),
    ("lb", "Meng Matrikel: 19720304 56789.", "19720304 56789", "national_id"),
    ("en", "ID number 2001 12 31 001 23 attached.", "2001 12 31 001 23", "national_id"),
    # names after courtesy or title cues and self-introductions
    ("fr", "J'ai parlé avec Monsieur Jean Dupont hier.", "Jean Dupont", "name"),
    ("fr", "Mme Lefèvre et M. Martin sont absents.", "Lefèvre", "name"),
    ("fr", "Bonjour, je m'appelle Marie-Claire Weber.", "Marie-Claire Weber", "name"),
    ("fr", "Salut, je m’appelle pierre.", "pierre", "name"),
    ("de", "Sehr geehrte Frau Müller, danke.", "Müller", "name"),
    ("de", "Herr Dr. Klein ruft zurück; ich heiße Jürgen Groß.", "Jürgen Groß", "name"),
    ("de", "Mein Name ist Sabine Schäfer.", "Sabine Schäfer", "name"),
    ("lb", "Moien, ech heeschen Anna Hoffmann.", "Anna Hoffmann", "name"),
    ("lb", "Här Schmit an Madamm Reuter sinn do.", "Reuter", "name"),
    ("en", "Hello, my name is John Smith.", "John Smith", "name"),
    ("en", "Please ask Mrs O'Brien or Dr. Patel.", "O'Brien", "name"),
    ("en", "Ms Nguyen called about Mr van der Berg.", "van der Berg", "name"),
]

TOKENS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "iban": "[IBAN]",
    "national_id": "[NATIONAL_ID]",
    "name": "[NAME]",
}


@pytest.mark.parametrize(
    "language, sentence, pii, kind", CASES, ids=[f"{c[3]}-{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_kind_is_redacted(language, sentence, pii, kind):
    redacted, counts = redact_pii([sentence])
    text = redacted.iloc[0]
    assert pii not in text, text
    assert TOKENS[kind] in text, text
    assert counts.loc[0, kind] >= 1


def test_every_kind_in_every_language_is_covered():
    covered = {(c[3], c[0]) for c in CASES}
    assert {(k, lang) for k in PII_KINDS for lang in ("fr", "de", "lb", "en")} <= covered


def test_cue_words_are_kept_and_surrounding_text_untouched():
    redacted, _ = redact_pii(["Madame Hoffmann a appelé le 06 12 34 56 78 ce matin."])
    assert redacted.iloc[0] == "Madame [NAME] a appelé le [PHONE] ce matin."


NOT_PII = [
    "Le montant est de 1.250,00 EUR, payé le 12/03/2025.",
    "Total: 2 500 € pour 2024, facture du 2025-03-12.",
    "Der Betrag von 12.345,67 € ist am 12.03.2025 fällig, Termin am 01.02.2025 10:30 Uhr.",
    "Adresse: 12, rue de la Gare, L-1234 Luxembourg; F-57000 Metz; D-66111 Saarbrücken.",
    "Dossier 4711, référence 2025/00123, ticket 123456, Kundennummer 123456789.",
    "From 1990 to 2025 the budget rose to EUR 1 250 000 (1,250.00 USD per head).",
    "Version 2.0.1 released; 3 x 250 ml; 0,5 %; open 18:30-19:00; years 2019 2020 2021 2022.",
    "Madame, Monsieur, je vous écris au sujet de ma demande.",
    "Budget 621 500 000 € approuvé; mobile 12 500 units; I miss Paris.",
]


@pytest.mark.parametrize("sentence", NOT_PII)
def test_ordinary_numbers_and_text_are_not_redacted(sentence):
    redacted, counts = redact_pii(pd.Series([sentence]))
    assert redacted.iloc[0] == sentence
    assert counts.to_numpy().sum() == 0


def test_counts_frame_and_missing_values():
    texts = pd.Series(["a@b.lu and c@d.lu, tel 06 12 34 56 78", None, "nothing here"], index=["x", "y", "z"])
    redacted, counts = redact_pii(texts)
    assert list(counts.columns) == list(PII_KINDS)
    assert counts.index.tolist() == ["x", "y", "z"]
    assert counts.loc["x", "email"] == 2 and counts.loc["x", "phone"] == 1
    assert counts.loc["y"].sum() == 0 and pd.isna(redacted["y"])
    assert redacted["z"] == "nothing here"


def test_kind_selection_and_errors():
    redacted, counts = redact_pii(["Mr Smith, smith@x.com"], kinds=["email"])
    assert redacted.iloc[0] == "Mr Smith, [EMAIL]" and counts.loc[0, "name"] == 0
    with pytest.raises(ValueError, match="Unknown PII kind"):
        redact_pii(["x"], kinds=["passport"])
    with pytest.raises(TypeError, match="strings"):
        redact_pii([12345])
